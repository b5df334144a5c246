// tessera/array/reduce.hpp: deterministic reductions (sum, min, max, mean, L2 norm).
//
// The result is bitwise identical at any rank count and thread count, because the order of every
// floating-point addition is fixed by the array's shape and chunk shape alone:
//   1. inside a chunk, element k (row-major within the chunk) goes to lane k % 8 of a ChunkAccumulator,
//      and the 8 lanes are added pairwise at the end (vectorisable, and independent of how the chunk
//      is fed: whole rows, tiles, or one element at a time; min and max need no order at all);
//   2. the per-chunk partials of all ranks are gathered and combined by a pairwise tree over the
//      global chunk number.
// Sums are accumulated in double (also for float data); min and max are exact; NaN propagates.
#pragma once
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/array/map_blocks.hpp"
#include "tessera/core/inline.hpp"

namespace tessera::array {

enum class Reduction { sum, min, max, mean, l2 };

// "sum", "min", "max", "mean", "l2" (also "norm"); UsageError otherwise.
Reduction parse_reduction(const std::string& name);
// "sum,max" -> {sum, max}; duplicates removed, order kept.
std::vector<Reduction> parse_reductions(const std::string& list);
const char* to_string(Reduction r);

// Which accumulations a set of reductions needs (the others are skipped: less work per element).
struct Needs {
  bool sum = true;      // sum, mean
  bool sumsq = true;    // l2
  bool extrema = true;  // min, max
  static Needs all() { return {}; }
  static Needs of(const std::vector<Reduction>& rs);
};

// Partial results over some elements; combine() merges two (a fixed, order-dependent operation).
struct Partial {
  Index count = 0;
  double sum = 0;
  double sumsq = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  bool nan = false;  // some element was NaN: min, max and the sums are NaN

  double mean() const { return count ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN(); }
  double l2() const { return std::sqrt(sumsq); }
  double value(Reduction r) const;
  static Partial combine(const Partial& a, const Partial& b);
};

// Accumulates one chunk's elements in the fixed lane order described above. Only the accumulations
// in `needs` are made; the fields of the Partial that were not asked for keep their initial values.
class ChunkAccumulator {
 public:
  static constexpr int lanes = 8;
  explicit ChunkAccumulator(Needs needs = {}) : needs_(needs) { reset(); }
  void reset();
  const Needs& needs() const { return needs_; }
  // The next n elements of the chunk (row-major within the chunk).
  template <typename T>
  TESSERA_ALWAYS_INLINE void add(const T* x, Index n) {
    Index i = 0;
    for (; i < n && pos_ % lanes != 0; ++i) add_one(x[i]);  // reach a lane boundary
    const Index full = (n - i) / lanes * lanes;
    if (needs_.sum || needs_.sumsq) add_lanes(x + i, full);
    if (needs_.extrema) min_max(x + i, full, lo_, hi_, nan_);
    pos_ += full;
    for (i += full; i < n; ++i) add_one(x[i]);
  }
  Partial finish() const;

  // Low-level access for fused kernels (tile_kernel.cpp), which keep the lanes in registers:
  // the position in the chunk, single elements, and the lane state itself.
  Index position() const { return pos_; }
  struct State {
    double* s;   // [lanes] sums
    double* q;   // [lanes] sums of squares
    double& lo;
    double& hi;
    bool& nan;
    Index& pos;
  };
  State state() { return {s_, q_, lo_, hi_, nan_, pos_}; }
  template <typename T>
  TESSERA_ALWAYS_INLINE void add_one(T x) {
    const int l = static_cast<int>(pos_ % lanes);
    const double v = static_cast<double>(x);
    s_[l] += v;
    q_[l] += v * v;
    lo_ = v < lo_ ? v : lo_;
    hi_ = v > hi_ ? v : hi_;
    nan_ = nan_ || v != v;
    ++pos_;
  }

 private:
  // Whole groups of `lanes` elements: element l of each group into lane l (vectorised).
  template <typename T>
  TESSERA_ALWAYS_INLINE void add_lanes(const T* y, Index full) {
    // local copies, so that the compiler keeps them in registers (y might alias the members)
    double s[lanes], q[lanes];
    for (int l = 0; l < lanes; ++l) s[l] = s_[l], q[l] = q_[l];
    if (needs_.sumsq) {
      for (Index b = 0; b < full; b += lanes, y += lanes)
        for (int l = 0; l < lanes; ++l) {
          const double v = static_cast<double>(y[l]);
          s[l] += v;
          q[l] += v * v;
        }
    } else {
      for (Index b = 0; b < full; b += lanes, y += lanes)
        for (int l = 0; l < lanes; ++l) s[l] += static_cast<double>(y[l]);
    }
    for (int l = 0; l < lanes; ++l) s_[l] = s[l], q_[l] = q[l];
  }
  // min and max do not depend on the order, so any vectorisation is fine; NaN is tracked apart.
  template <typename T>
  TESSERA_ALWAYS_INLINE static void min_max(const T* y, Index n, double& lo, double& hi, bool& nan) {
    Index i = 0;
#if defined(__GNUC__)
    typedef double v2d __attribute__((vector_size(16)));
    typedef long long v2l __attribute__((vector_size(16)));
    v2d l0 = {lo, lo}, l1 = l0, h0 = {hi, hi}, h1 = h0;
    v2l bad = {0, 0};
    for (; i + 4 <= n; i += 4) {
      const v2d a = {static_cast<double>(y[i]), static_cast<double>(y[i + 1])};
      const v2d b = {static_cast<double>(y[i + 2]), static_cast<double>(y[i + 3])};
      l0 = a < l0 ? a : l0;
      l1 = b < l1 ? b : l1;
      h0 = a > h0 ? a : h0;
      h1 = b > h1 ? b : h1;
      bad |= (a != a) | (b != b);
    }
    for (int k = 0; k < 2; ++k) {
      lo = l0[k] < lo ? l0[k] : lo;
      lo = l1[k] < lo ? l1[k] : lo;
      hi = h0[k] > hi ? h0[k] : hi;
      hi = h1[k] > hi ? h1[k] : hi;
      nan = nan || bad[k] != 0;
    }
#endif
    for (; i < n; ++i) {
      const double v = static_cast<double>(y[i]);
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      nan = nan || v != v;
    }
  }
  Needs needs_;
  double s_[lanes], q_[lanes];
  double lo_, hi_;
  bool nan_ = false;
  Index pos_ = 0;
};

// Pairwise (tree) combination in the given order: the same bits for the same sequence.
Partial combine_in_order(const std::vector<Partial>& parts);
// Collective over L.comm(): gathers every rank's per-chunk partials (`local` in local_chunks(L)
// order) and combines them in global chunk order. Every rank gets the same result.
Partial combine_chunks(const BlockLayout& L, const std::vector<Partial>& local);

// Deterministic reduction of a DistArray's owned elements (collective).
template <typename T>
Partial reduce(const DistArray<T>& a) {
  const auto chunks = local_chunks(a.layout());
  std::vector<Partial> parts(chunks.size());
  for_each_local_chunk(chunks, [&](const ChunkRef& r) {
    ChunkAccumulator acc;
    detail::view_of<const T>(a, r).for_each_row([&](const T* row, Index n, const Extents&) { acc.add(row, n); });
    parts[static_cast<size_t>(r.local)] = acc.finish();
  });
  return combine_chunks(a.layout(), parts);
}

}  // namespace tessera::array
