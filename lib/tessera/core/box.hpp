// tessera/core/box.hpp: global index ranges. A Box is a half-open product of ranges [lo, hi) in up
// to three dimensions; dimensions beyond ndims are unused (lo = 0, hi = 1).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/error.hpp"

namespace tessera {

using Index = std::int64_t;
constexpr int max_dims = 3;
using Extents = std::array<Index, max_dims>;

inline std::string shape_to_string(const std::vector<Index>& shape);

// a * b for element counts and sizes (non-negative), or tessera::Error "<what>: A x B overflows a
// 64-bit count" when the product does not fit N: sizes are Index (int64) or size_t (bytes), never
// wrapped around.
template <typename N>
N checked_mul(N a, N b, const char* what) {
  N out;
  if (__builtin_mul_overflow(a, b, &out))
    throw Error(std::string(what) + ": " + std::to_string(a) + " x " + std::to_string(b) + " overflows a " +
                std::to_string(8 * sizeof(N)) + "-bit count");
  return out;
}

// Number of elements of an array of this shape; tessera::Error "<what> AxBxC: more than 2^63 - 1
// elements" when they exceed int64.
inline Index checked_elements(const std::vector<Index>& shape, const char* what) {
  Index n = 1;
  for (Index s : shape)
    if (__builtin_mul_overflow(n, s, &n))
      throw Error(std::string(what) + " " + shape_to_string(shape) + ": more than 2^63 - 1 elements");
  return n;
}

struct Box {
  int ndims = 0;
  Extents lo{0, 0, 0};
  Extents hi{1, 1, 1};

  Box() = default;
  Box(int n, const Extents& l, const Extents& h) : ndims(n), lo(l), hi(h) {
    for (int d = n; d < max_dims; ++d) lo[d] = 0, hi[d] = 1;
  }
  // The box [0, shape) of a whole array.
  static Box whole(const std::vector<Index>& shape) {
    Box b;
    b.ndims = static_cast<int>(shape.size());
    for (int d = 0; d < b.ndims; ++d) b.hi[d] = shape[static_cast<size_t>(d)];
    return b;
  }
  Index extent(int d) const { return std::max<Index>(0, hi[d] - lo[d]); }
  // Elements in the box; tessera::Error when they exceed int64.
  Index size() const {
    Index s = 1;
    for (int d = 0; d < ndims; ++d)
      if (__builtin_mul_overflow(s, extent(d), &s)) throw Error("box " + to_string() + ": more than 2^63 - 1 elements");
    return ndims == 0 ? 0 : s;
  }
  bool empty() const {
    for (int d = 0; d < ndims; ++d)
      if (extent(d) == 0) return true;
    return ndims == 0;
  }
  bool contains(const Extents& i) const {
    for (int d = 0; d < ndims; ++d)
      if (i[d] < lo[d] || i[d] >= hi[d]) return false;
    return true;
  }
  Box intersect(const Box& o) const {
    Box r = *this;
    for (int d = 0; d < ndims; ++d) {
      r.lo[d] = std::max(lo[d], o.lo[d]);
      r.hi[d] = std::max(r.lo[d], std::min(hi[d], o.hi[d]));
    }
    return r;
  }
  std::vector<Index> extents() const {
    std::vector<Index> e;
    for (int d = 0; d < ndims; ++d) e.push_back(extent(d));
    return e;
  }
  friend bool operator==(const Box& a, const Box& b) {
    if (a.ndims != b.ndims) return false;
    for (int d = 0; d < a.ndims; ++d)
      if (a.lo[d] != b.lo[d] || a.hi[d] != b.hi[d]) return false;
    return true;
  }
  // "[0:10, 5:8)"
  std::string to_string() const {
    std::string s = "[";
    for (int d = 0; d < ndims; ++d)
      s += (d ? ", " : "") + std::to_string(lo[d]) + ":" + std::to_string(hi[d]);
    return s + ")";
  }
};

// "4096x4096"
inline std::string shape_to_string(const std::vector<Index>& shape) {
  std::string s;
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? "x" : "") + std::to_string(shape[d]);
  return s;
}

}  // namespace tessera
