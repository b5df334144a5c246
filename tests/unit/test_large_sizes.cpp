// Sizes beyond 32 bits without allocating them: block layouts of more than 2^31 elements (counts,
// offsets and owners in 64-bit), and shape products that overflow int64 or size_t (a clear error,
// not a wrapped count).
#include <gtest/gtest.h>

#include "error_text.hpp"

#include <climits>
#include <cstdint>
#include <functional>
#include <string>

#include "tessera/array/block_layout.hpp"
#include "tessera/core/box.hpp"
#include "tessera/core/error.hpp"

using tessera::Box;
using tessera::Error;
using tessera::Extents;
using tessera::Index;
using tessera::UsageError;
using tessera::array::BlockLayout;

namespace {
constexpr Index int_max = INT_MAX;

using tessera::testing::error_text;
}  // namespace

TEST(LargeLayout, OneDimensionOfSixBillionElements) {
  // 5 chunks of 1.2 * 10^9 over 2 coordinates: 3 chunks and 2 chunks, both blocks beyond INT_MAX
  const Index chunk = 1200000000;
  const Index n = 5 * chunk;
  BlockLayout L({n}, {chunk}, std::vector<int>{2});
  EXPECT_EQ(L.global_size(), n);
  EXPECT_EQ(L.nchunks(0), 5);
  EXPECT_EQ(L.lo(0, 1), 3 * chunk);
  EXPECT_EQ(L.hi(0, 1), n);
  const Box b0 = L.box_of_coords({0}), b1 = L.box_of_coords({1});
  EXPECT_EQ(b0.size(), 3 * chunk);
  EXPECT_EQ(b1.size(), 2 * chunk);
  EXPECT_GT(b0.size(), int_max);
  EXPECT_GT(b1.size(), int_max);
  EXPECT_EQ(b0.size() + b1.size(), L.global_size());
  // the owners on both sides of the split and of the last element
  EXPECT_EQ(L.owner_coord(0, 3 * chunk - 1), 0);
  EXPECT_EQ(L.owner_coord(0, 3 * chunk), 1);
  EXPECT_EQ(L.owner_coords({n - 1, 0, 0}), std::vector<int>{1});
  EXPECT_THROW(L.owner_coords({n, 0, 0}), Error);
}

TEST(LargeLayout, ThreeDimensionsOfTwoToTheThirtyThree) {
  // 2048^3 = 2^33 elements in 256^3 chunks over 2x1x1: each block 1024 x 2048 x 2048 = 2^32
  const Index e = 2048, c = 256;
  BlockLayout L({e, e, e}, {c, c, c}, std::vector<int>{2, 1, 1});
  const Index total = e * e * e;
  EXPECT_EQ(L.global_size(), total);
  EXPECT_EQ(L.total_chunks(), (e / c) * (e / c) * (e / c));
  const Box upper = L.box_of_coords({1, 0, 0});
  EXPECT_EQ(upper.lo[0], e / 2);
  EXPECT_EQ(upper.size(), (e / 2) * e * e);
  EXPECT_GT(upper.size(), 2 * int_max);
  EXPECT_EQ(L.box_of_coords({0, 0, 0}).size() + upper.size(), total);
  EXPECT_EQ(L.owner_coords({e - 1, e - 1, e - 1}), (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(L.owner_coords({e / 2 - 1, e - 1, e - 1}), (std::vector<int>{0, 0, 0}));
}

TEST(LargeLayout, UnevenSplitsOfThreeBillion) {
  // 100000 x 30000 in 1024 x 1000 chunks over 3 x 2: 98 chunks (33, 33, 32) by 30 (15, 15)
  BlockLayout L({100000, 30000}, {1024, 1000}, std::vector<int>{3, 2});
  EXPECT_EQ(L.global_size(), Index{100000} * 30000);
  EXPECT_EQ(L.lo(0, 1), 33 * 1024);
  EXPECT_EQ(L.lo(0, 2), 66 * 1024);
  EXPECT_EQ(L.lo(1, 1), 15000);
  Index sum = 0;
  for (int p = 0; p < 3; ++p)
    for (int q = 0; q < 2; ++q) sum += L.box_of_coords({p, q}).size();
  EXPECT_EQ(sum, L.global_size());
  EXPECT_EQ(L.owner_coords({99999, 29999, 0}), (std::vector<int>{2, 1}));
  EXPECT_EQ(L.box_of_coords({2, 1}).size(), (100000 - 66 * 1024) * Index{15000});
}

TEST(ShapeOverflow, ShapesBeyondInt64AreUsageErrors) {
  const Index big = Index{1} << 31;
  // 2^31 * 2^31 * 2 = 2^63: one more than int64 holds
  EXPECT_THROW(BlockLayout::validate({big, big, 2}, {1, 1, 1}), UsageError);
  EXPECT_NE(error_text([&] { BlockLayout::validate({big, big, 2}, {1, 1, 1}); })
                .find("shape 2147483648x2147483648x2 has more than 2^63 - 1 elements"),
            std::string::npos)
      << error_text([&] { BlockLayout::validate({big, big, 2}, {1, 1, 1}); });
  EXPECT_THROW(BlockLayout({Index{1} << 32, Index{1} << 32}, {1, 1}, std::vector<int>{1, 1}), UsageError);
  // 2^62 fits
  EXPECT_NO_THROW(BlockLayout::validate({big, big, 1}, {1, 1, 1}));
}

TEST(ShapeOverflow, BoxesAndProductsSayTheyOverflow) {
  const Index big = Index{1} << 40;
  const Box b(3, Extents{0, 0, 0}, Extents{big, big, 2});
  EXPECT_THROW(b.size(), Error);
  EXPECT_NE(error_text([&] { (void)b.size(); }).find("more than 2^63 - 1 elements"), std::string::npos);
  EXPECT_FALSE(b.empty());  // answered without the product
  EXPECT_TRUE(Box(3, Extents{0, 0, 0}, Extents{big, big, 0}).empty());
  EXPECT_EQ(tessera::checked_elements({big, 1 << 20}, "array"), big << 20);
  EXPECT_THROW(tessera::checked_elements({big, 1 << 23}, "array"), Error);
  EXPECT_EQ(tessera::checked_mul<std::size_t>(std::size_t{1} << 60, 8, "bytes"), std::size_t{1} << 63);
  EXPECT_THROW(tessera::checked_mul<std::size_t>(std::size_t{1} << 61, 8, "bytes"), Error);
  EXPECT_NE(error_text([] { tessera::checked_mul<std::size_t>(std::size_t{1} << 61, 8, "bytes"); })
                .find("bytes: 2305843009213693952 x 8 overflows a 64-bit count"),
            std::string::npos);
}
