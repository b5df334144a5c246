// split_for_overlap and slabs: the interior and the strips are disjoint and cover the block.
#include <gtest/gtest.h>

#include <vector>

#include "tessera/array/overlap.hpp"
#include "tessera/heat/stencil.hpp"

using namespace tessera;
using array::split_for_overlap;

namespace {
// How many of the given boxes hold each cell of `whole` (row-major).
std::vector<int> coverage(const Box& whole, const std::vector<Box>& parts) {
  std::vector<int> c(static_cast<size_t>(whole.size()), 0);
  for (const Box& b : parts)
    for (Index i = b.lo[0]; i < b.hi[0]; ++i)
      for (Index j = b.lo[1]; j < b.hi[1]; ++j)
        for (Index k = b.lo[2]; k < b.hi[2]; ++k) {
          EXPECT_TRUE(whole.contains({i, j, k}));
          const Index lin = ((i - whole.lo[0]) * whole.extent(1) + (j - whole.lo[1])) * whole.extent(2) + (k - whole.lo[2]);
          ++c[static_cast<size_t>(lin)];
        }
  return c;
}
}  // namespace

TEST(StencilSplit, InteriorAndStripsTileTheBlock) {
  for (int nd : {1, 2, 3})
    for (int mask = 0; mask < (1 << (2 * nd)); ++mask) {
      Box b(nd, {0, 0, 0}, {7, 6, 5});
      std::array<bool, 3> lo{}, hi{};
      for (int d = 0; d < nd; ++d) {
        lo[static_cast<size_t>(d)] = mask >> (2 * d) & 1;
        hi[static_cast<size_t>(d)] = mask >> (2 * d + 1) & 1;
      }
      const auto s = split_for_overlap(b, lo, hi, 1);
      std::vector<Box> all = s.strips;
      all.push_back(s.interior);
      for (int c : coverage(b, all)) EXPECT_EQ(c, 1) << nd << "D mask " << mask;
      // the interior keeps one cell away from every face with a neighbour, and no more
      for (int d = 0; d < nd; ++d) {
        EXPECT_EQ(s.interior.lo[d], lo[static_cast<size_t>(d)] ? 1 : 0);
        EXPECT_EQ(s.interior.hi[d], b.hi[d] - (hi[static_cast<size_t>(d)] ? 1 : 0));
      }
      if (mask == 0) {
        EXPECT_TRUE(s.strips.empty());
      }
    }
}

TEST(StencilSplit, ThinBlocksHaveNoInterior) {
  Box b(2, {0, 0, 0}, {1, 9, 1});
  const auto s = split_for_overlap(b, {true, true, false}, {true, true, false}, 1);
  EXPECT_TRUE(s.interior.empty());
  std::vector<Box> all = s.strips;
  all.push_back(s.interior);
  for (int c : coverage(b, all)) EXPECT_EQ(c, 1);
}

TEST(StencilSplit, SlabsCutDimensionZero) {
  Box b(2, {0, 0, 0}, {10, 4, 1});
  const auto s = array::slabs(b, 3);
  ASSERT_EQ(s.size(), 3u);
  for (int c : coverage(b, s)) EXPECT_EQ(c, 1);
  EXPECT_EQ(array::slabs(b, 50).size(), 10u);
  EXPECT_TRUE(array::slabs(Box(2, {0, 0, 0}, {0, 4, 1}), 3).empty());
}
