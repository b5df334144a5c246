// tessera/array/generator.hpp: initial values of an array as a pure function of the global index.
//
// Every value depends only on the global row-major flat index (and the seed), never on the
// decomposition: the same array comes out at any number of ranks, threads or chunk shapes.
// `random:SEED` is counter-based (a splitmix64 finaliser of seed and index), so any element can be
// produced on its own, in any order.
#pragma once
#include <cstdint>
#include <string>

#include "tessera/core/box.hpp"
#include "tessera/core/hash.hpp"
#include "tessera/core/inline.hpp"

namespace tessera::array {

class Generator {
 public:
  enum class Kind { zeros, ones, arange, random };

  Generator() = default;
  explicit Generator(Kind kind, std::uint64_t seed = 0) : kind_(kind), seed_(seed), key_(mix(seed)) {}
  // "zeros", "ones", "arange", "random:SEED" (SEED a non-negative integer). UsageError otherwise.
  static Generator parse(const std::string& spec);
  // True when `spec` names a generator (as opposed to e.g. "FILE.h5:/path").
  static bool is_generator(const std::string& spec);

  Kind kind() const { return kind_; }
  std::uint64_t seed() const { return seed_; }
  std::string to_string() const;  // the spec it parses from
  // Every element has the same value (zeros, ones).
  bool is_constant() const { return kind_ == Kind::zeros || kind_ == Kind::ones; }

  // Value of the element at global flat index i. random: uniform in [0, 1), 53 random bits for
  // double, 24 for float (so a float is never rounded up to 1).
  template <typename T>
  TESSERA_ALWAYS_INLINE T value(Index i) const {
    switch (kind_) {
      case Kind::zeros: return T(0);
      case Kind::ones: return T(1);
      case Kind::arange: return static_cast<T>(i);
      case Kind::random: break;
    }
    const std::uint64_t h = mix(key_ + static_cast<std::uint64_t>(i) * kGolden);
    if constexpr (sizeof(T) <= 4) return static_cast<T>(static_cast<double>(h >> 40) * 0x1.0p-24);
    else return static_cast<T>(static_cast<double>(h >> 11) * 0x1.0p-53);
  }
  // out[k] = value(first + k) for k in [0, n): one row segment.
  template <typename T>
  TESSERA_ALWAYS_INLINE void fill(Index first, Index n, T* out) const {
    switch (kind_) {
      case Kind::zeros:
      case Kind::ones: {
        const T v = value<T>(0);
        for (Index k = 0; k < n; ++k) out[k] = v;
        return;
      }
      case Kind::arange:
        for (Index k = 0; k < n; ++k) out[k] = static_cast<T>(first + k);
        return;
      case Kind::random:
        for (Index k = 0; k < n; ++k) out[k] = value<T>(first + k);
        return;
    }
  }

  // splitmix64's output function (core/hash.hpp).
  static constexpr std::uint64_t mix(std::uint64_t z) { return mix64(z); }

 private:
  static constexpr std::uint64_t kGolden = kSplitMixGolden;
  Kind kind_ = Kind::zeros;
  std::uint64_t seed_ = 0, key_ = mix(0);
};

}  // namespace tessera::array
