// tessera/linalg/matrix_fill.hpp: filling block-distributed matrices from their global indices, and
// counter-based random entries: entry (i, j) of matrix `id` drawn with `seed` is a pure function of
// (seed, id, i, j) (a SplitMix64-style hash), so a matrix is the same at any number of ranks, grid
// or chunking, and every rank makes its own block without communication.
//
//   linalg::fill_random(A, seed, 0);   // uniform in [-1, 1)
//   linalg::fill_by_index(B, [](Index i, Index j) { return double(i + j); });
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tessera/array/dist_array.hpp"
#include "tessera/core/hash.hpp"

namespace tessera::linalg {

using tessera::mix64;

// 64 random bits for (seed, id, i, j).
constexpr std::uint64_t counter_hash(std::uint64_t seed, std::uint64_t id, std::uint64_t i, std::uint64_t j) noexcept {
  constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = mix64(seed + golden);
  h = mix64(h ^ (id + 2 * golden));
  h = mix64(h ^ (i + 3 * golden));
  h = mix64(h ^ (j + 4 * golden));
  return h;
}

// Bits -> uniform in [-1, 1) on a grid T represents exactly: 24 bits for float, 53 for double
// (so a float entry is never rounded up to 1).
template <typename T>
constexpr T uniform_pm1(std::uint64_t bits) noexcept {
  static_assert(std::is_floating_point_v<T>, "uniform_pm1 makes floating-point numbers");
  constexpr int digits = std::numeric_limits<T>::digits < 53 ? std::numeric_limits<T>::digits : 53;
  const std::uint64_t top = bits >> (64 - digits);
  return static_cast<T>(static_cast<double>(top) * (2.0 / static_cast<double>(std::uint64_t{1} << digits)) - 1.0);
}

template <typename T>
constexpr T random_entry(std::uint64_t seed, std::uint64_t id, Index i, Index j) noexcept {
  return uniform_pm1<T>(counter_hash(seed, id, static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(j)));
}

// a(i, j) = f(i, j) for every owned element (global indices); OpenMP over rows. 2D arrays.
template <typename T, typename F>
void fill_by_index(array::DistArray<T>& a, F&& f) {
  const Index rows = a.extent(0), cols = a.extent(1);
  const Index i0 = a.box().lo[0], j0 = a.box().lo[1];
  if (a.empty()) return;
#pragma omp parallel for schedule(static)
  for (Index r = 0; r < rows; ++r) {
    T* row = &a.local(r, 0);
    for (Index c = 0; c < cols; ++c) row[c] = static_cast<T>(f(i0 + r, j0 + c));
  }
}

// Uniform [-1, 1) entries, random_entry<T>(seed, id, i, j).
template <typename T>
void fill_random(array::DistArray<T>& a, std::uint64_t seed, std::uint64_t id) {
  fill_by_index(a, [seed, id](Index i, Index j) { return random_entry<T>(seed, id, i, j); });
}

}  // namespace tessera::linalg
