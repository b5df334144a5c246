#include "tessera/array/overlap.hpp"

#include <algorithm>

namespace tessera::array {

Box local_box(const DistArray<double>& a) {
  Box b;
  b.ndims = a.ndims();
  for (int d = 0; d < a.ndims(); ++d) b.hi[d] = a.empty() ? 0 : a.extent(d);
  return b;
}

BlockSplit split_for_overlap(const Box& local, const std::array<bool, 3>& lower, const std::array<bool, 3>& upper,
                             int radius) {
  BlockSplit s;
  s.interior = local;
  if (local.empty()) return s;
  for (int d = 0; d < local.ndims; ++d) {
    if (lower[static_cast<size_t>(d)]) s.interior.lo[d] = std::min(local.hi[d], local.lo[d] + radius);
    if (upper[static_cast<size_t>(d)]) s.interior.hi[d] = std::max(s.interior.lo[d], local.hi[d] - radius);
  }
  // Onion peeling: along d, the slabs below and above the interior, spanning the interior's range
  // in the dimensions before d and the whole block in the dimensions after d. Disjoint, and
  // together with the interior they cover the block.
  for (int d = 0; d < local.ndims; ++d) {
    Box lo_slab = local, hi_slab = local;
    for (int e = 0; e < d; ++e) {
      lo_slab.lo[e] = hi_slab.lo[e] = s.interior.lo[e];
      lo_slab.hi[e] = hi_slab.hi[e] = s.interior.hi[e];
    }
    lo_slab.hi[d] = s.interior.lo[d];
    hi_slab.lo[d] = s.interior.hi[d];
    if (!lo_slab.empty()) s.strips.push_back(lo_slab);
    if (!hi_slab.empty()) s.strips.push_back(hi_slab);
  }
  return s;
}

std::vector<Box> slabs(const Box& b, int pieces) {
  std::vector<Box> out;
  if (b.empty()) return out;
  const Index n = b.extent(0);
  const Index k = std::max<Index>(1, std::min<Index>(pieces, n));
  for (Index p = 0; p < k; ++p) {
    Box s = b;
    s.lo[0] = b.lo[0] + n * p / k;
    s.hi[0] = b.lo[0] + n * (p + 1) / k;
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace tessera::array
