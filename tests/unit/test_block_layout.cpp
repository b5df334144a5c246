// Layout properties over many random shapes, chunks and grids: every global index is owned exactly
// once, boxes are made of whole chunks, and owner() agrees with the boxes.
#include <gtest/gtest.h>

#include <random>

#include "tessera/array/block_layout.hpp"
#include "tessera/core/error.hpp"

using tessera::Box;
using tessera::Extents;
using tessera::Index;
using tessera::array::BlockLayout;

namespace {
std::vector<std::vector<int>> all_coords(const std::vector<int>& dims) {
  std::vector<std::vector<int>> out{{}};
  for (int p : dims) {
    std::vector<std::vector<int>> next;
    for (const auto& c : out)
      for (int i = 0; i < p; ++i) {
        auto e = c;
        e.push_back(i);
        next.push_back(e);
      }
    out = next;
  }
  return out;
}
}  // namespace

TEST(BlockLayout, RandomLayoutsOwnEveryIndexExactlyOnce) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 300; ++trial) {
    const int nd = 1 + static_cast<int>(rng() % 3);
    std::vector<Index> shape, chunks;
    std::vector<int> dims;
    for (int d = 0; d < nd; ++d) {
      const Index n = 1 + static_cast<Index>(rng() % (nd == 3 ? 12 : 40));
      shape.push_back(n);
      chunks.push_back(1 + static_cast<Index>(rng() % n));
      dims.push_back(1 + static_cast<int>(rng() % 5));  // often more ranks than chunks
    }
    const BlockLayout L(shape, chunks, dims);
    std::vector<int> owners(static_cast<size_t>(L.global_size()), 0);
    Index owned_total = 0;
    for (const auto& c : all_coords(dims)) {
      const Box b = L.box_of_coords(c);
      owned_total += b.size();
      for (int d = 0; d < nd; ++d) {
        // whole chunks: a box starts on a chunk boundary and ends on one or at the edge
        if (b.extent(d) > 0) {
          EXPECT_EQ(b.lo[d] % chunks[static_cast<size_t>(d)], 0);
          EXPECT_TRUE(b.hi[d] % chunks[static_cast<size_t>(d)] == 0 || b.hi[d] == shape[static_cast<size_t>(d)]);
        }
      }
      for (Index i = b.lo[0]; i < b.hi[0]; ++i)
        for (Index j = b.lo[1]; j < b.hi[1]; ++j)
          for (Index k = b.lo[2]; k < b.hi[2]; ++k) {
            const Index flat = (i * (nd > 1 ? shape[1] : 1) + (nd > 1 ? j : 0)) * (nd > 2 ? shape[2] : 1) + (nd > 2 ? k : 0);
            owners[static_cast<size_t>(flat)] += 1;
            EXPECT_EQ(L.owner_coords(Extents{i, j, k}), c) << L.to_string();
          }
    }
    EXPECT_EQ(owned_total, L.global_size()) << L.to_string();
    for (size_t f = 0; f < owners.size(); ++f) ASSERT_EQ(owners[f], 1) << L.to_string() << " flat index " << f;
  }
}

TEST(BlockLayout, MoreRanksThanChunksLeavesSomeRanksEmpty) {
  const BlockLayout L({10}, {5}, std::vector<int>{4});
  EXPECT_EQ(L.nchunks(0), 2);
  EXPECT_EQ(L.box_of_coords({0}).extent(0), 5);
  EXPECT_EQ(L.box_of_coords({1}).extent(0), 5);
  EXPECT_TRUE(L.box_of_coords({2}).empty());
  EXPECT_TRUE(L.box_of_coords({3}).empty());
}

TEST(BlockLayout, UnevenShapesGiveSmallerEdgeChunks) {
  const BlockLayout L({10, 7}, {4, 3}, std::vector<int>{1, 1});
  EXPECT_EQ(L.nchunks(0), 3);
  EXPECT_EQ(L.nchunks(1), 3);
  EXPECT_EQ(L.chunk_box({2, 2, 0}).extent(0), 2);
  EXPECT_EQ(L.chunk_box({2, 2, 0}).extent(1), 1);
}

TEST(BlockLayout, RejectsBadShapes) {
  using tessera::UsageError;
  EXPECT_THROW(BlockLayout({0, 4}, {1, 1}, std::vector<int>{1, 1}), UsageError);
  EXPECT_THROW(BlockLayout({4, 4}, {5, 1}, std::vector<int>{1, 1}), UsageError);
  EXPECT_THROW(BlockLayout({4, 4}, {2}, std::vector<int>{1, 1}), UsageError);
  EXPECT_THROW(BlockLayout({4, 4, 4, 4}, {1, 1, 1, 1}, std::vector<int>{1, 1, 1, 1}), UsageError);
  EXPECT_THROW(BlockLayout({4, 4}, {2, 2}, std::vector<int>{2}), UsageError);
}

TEST(BlockLayout, ChooseGridSpreadsChunks) {
  // 10x1 chunks on 4 ranks: split the long dimension, not 2x2
  EXPECT_EQ(BlockLayout::choose_grid({10, 1}, 4), (std::vector<int>{4, 1}));
  // square: square grid
  EXPECT_EQ(BlockLayout::choose_grid({10, 10}, 4), (std::vector<int>{2, 2}));
  const auto g = BlockLayout::choose_grid({3, 3, 3}, 8);
  EXPECT_EQ(g[0] * g[1] * g[2], 8);
}
