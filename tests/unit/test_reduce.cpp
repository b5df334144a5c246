// The chunk accumulator's result does not depend on how a chunk is fed, and the pieces of the
// deterministic reduction (lanes, pairwise trees, NaN handling, parsing) behave as documented.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "tessera/array/reduce.hpp"
#include "tessera/array/tile_kernel.hpp"
#include "tessera/core/error.hpp"

using namespace tessera;
using array::ChunkAccumulator;
using array::Partial;
using array::Reduction;

namespace {
bool same(const Partial& a, const Partial& b) {
  auto eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  return a.count == b.count && eq(a.sum, b.sum) && eq(a.sumsq, b.sumsq) && eq(a.min, b.min) && eq(a.max, b.max) &&
         a.nan == b.nan;
}
}  // namespace

TEST(ChunkAccumulator, SameBitsHoweverTheChunkIsFed) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1e3, 1e3);
  const Index n = 12345;
  std::vector<double> x(static_cast<size_t>(n));
  for (auto& v : x) v = u(rng) * std::pow(10.0, static_cast<int>(rng() % 9) - 4);  // wide dynamic range
  ChunkAccumulator whole;
  whole.add(x.data(), n);
  const Partial ref = whole.finish();
  for (int trial = 0; trial < 30; ++trial) {
    ChunkAccumulator acc;
    Index i = 0;
    while (i < n) {
      const Index m = std::min<Index>(n - i, 1 + static_cast<Index>(rng() % 700));  // rows, tiles, odd pieces
      acc.add(x.data() + i, m);
      i += m;
    }
    ASSERT_TRUE(same(acc.finish(), ref)) << "trial " << trial;
  }
  ChunkAccumulator one;
  for (double v : x) one.add(&v, 1);
  EXPECT_TRUE(same(one.finish(), ref));
  EXPECT_EQ(ref.count, n);
}

TEST(ChunkAccumulator, LanesAreTheDocumentedOrder) {
  // element k goes to lane k % 8; lanes are added pairwise: ((0+1)+(2+3))+((4+5)+(6+7))
  std::vector<double> x{1e16, 1, -1e16, 1, 3, 5, 7, 9, 2, 2};
  ChunkAccumulator acc;
  acc.add(x.data(), static_cast<Index>(x.size()));
  double lane[8] = {1e16 + 2, 1 + 2, -1e16, 1, 3, 5, 7, 9};
  const double expect = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  EXPECT_EQ(acc.finish().sum, expect);
}

TEST(ChunkAccumulator, FloatsAccumulateInDouble) {
  std::vector<float> x(1 << 20, 1.0f);
  x[0] = 16777216.0f;  // 2^24: a float sum would stop growing
  ChunkAccumulator acc;
  acc.add(x.data(), static_cast<Index>(x.size()));
  EXPECT_EQ(acc.finish().sum, 16777216.0 + (1 << 20) - 1);
}

TEST(ChunkAccumulator, NaNPropagatesAndInfinitiesDoNotMakeNaN) {
  std::vector<double> x{1, 2, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), 5};
  ChunkAccumulator a;
  a.add(x.data(), 5);
  const Partial p = a.finish();
  EXPECT_FALSE(p.nan);
  EXPECT_EQ(p.value(Reduction::min), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.value(Reduction::max), std::numeric_limits<double>::infinity());
  x[1] = std::nan("");
  ChunkAccumulator b;
  b.add(x.data(), 5);
  const Partial q = b.finish();
  EXPECT_TRUE(q.nan);
  EXPECT_TRUE(std::isnan(q.value(Reduction::min)));
  EXPECT_TRUE(std::isnan(q.value(Reduction::max)));
}

TEST(Partial, ValuesAndPairwiseCombination) {
  std::vector<Partial> parts;
  for (int c = 0; c < 7; ++c) {
    ChunkAccumulator a;
    const double v[3] = {double(c), double(c) + 0.5, -double(c)};
    a.add(v, 3);
    parts.push_back(a.finish());
  }
  const Partial t = array::combine_in_order(parts);
  EXPECT_EQ(t.count, 21);
  EXPECT_DOUBLE_EQ(t.value(Reduction::sum), 21 + 3.5);
  EXPECT_DOUBLE_EQ(t.value(Reduction::mean), (21 + 3.5) / 21);
  EXPECT_EQ(t.value(Reduction::min), -6);
  EXPECT_EQ(t.value(Reduction::max), 6.5);
  double sq = 0;
  for (int c = 0; c < 7; ++c) sq += 2.0 * c * c + (c + 0.5) * (c + 0.5);
  EXPECT_DOUBLE_EQ(t.value(Reduction::l2), std::sqrt(sq));
  // the tree over 7 leaves: ((0+1)+(2+3))+((4+5)+6)
  const Partial manual = Partial::combine(
      Partial::combine(Partial::combine(parts[0], parts[1]), Partial::combine(parts[2], parts[3])),
      Partial::combine(Partial::combine(parts[4], parts[5]), parts[6]));
  EXPECT_TRUE(same(t, manual));
  EXPECT_EQ(array::combine_in_order({}).count, 0);
}

TEST(Reductions, Parse) {
  EXPECT_EQ(array::parse_reductions("sum,max"), (std::vector<Reduction>{Reduction::sum, Reduction::max}));
  EXPECT_EQ(array::parse_reductions("l2,sum,l2,norm"), (std::vector<Reduction>{Reduction::l2, Reduction::sum}));
  EXPECT_THROW(array::parse_reductions("sum,median"), UsageError);
  EXPECT_STREQ(array::to_string(Reduction::mean), "mean");
}

TEST(ChunkAccumulator, OnlyWhatIsNeededIsAccumulatedAndTheSumDoesNotChange) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> x(1001);
  for (auto& v : x) v = u(rng);
  ChunkAccumulator all, sum_only(array::Needs::of({Reduction::sum})), ext(array::Needs::of({Reduction::max}));
  for (auto* a : {&all, &sum_only, &ext}) {
    a->add(x.data(), 3);  // a prefix off the lane boundary, then the rest
    a->add(x.data() + 3, 998);
  }
  const Partial pa = all.finish(), ps = sum_only.finish(), pe = ext.finish();
  EXPECT_EQ(std::memcmp(&pa.sum, &ps.sum, sizeof(double)), 0);
  EXPECT_EQ(ps.sumsq, 0.0);
  EXPECT_TRUE(std::isinf(ps.min));
  EXPECT_EQ(pe.max, pa.max);
  EXPECT_EQ(pe.min, pa.min);
  EXPECT_EQ(pe.sum, 0.0);
  EXPECT_EQ(array::Needs::of({Reduction::mean}).sum, true);
  EXPECT_EQ(array::Needs::of({Reduction::mean}).extrema, false);
  EXPECT_EQ(array::Needs::of({Reduction::l2}).sumsq, true);
}

// The library's tile kernel runs in an instruction-set clone chosen at run time (AVX2 where the CPU
// has it); this test's own code is compiled for the baseline. They must agree bit for bit.
TEST(TileKernel, RunTimeClonesGiveTheBaselineBits) {
  const array::Pipeline p = array::Pipeline::parse({"scale:1.7", "add:-0.3", "square", "sqrt", "exp"});
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-2, 2);
  for (Index n : {Index{1}, Index{7}, Index{8}, Index{999}, Index{4096}}) {
    std::vector<double> x(static_cast<size_t>(n));
    for (auto& v : x) v = u(rng);
    std::vector<float> xf(x.begin(), x.end());
    auto y = x;
    auto yf = xf;
    ChunkAccumulator kernel_acc, base_acc, kernel_f, base_f;
    array::transform_and_accumulate(p, y.data(), n, false, &kernel_acc);
    array::transform_and_accumulate(p, yf.data(), n, false, &kernel_f);
    for (auto& v : x) v = p.apply_one(v);
    for (auto& v : xf) v = p.apply_one(v);
    base_acc.add(x.data(), n);
    base_f.add(xf.data(), n);
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)), 0) << n;
    EXPECT_EQ(std::memcmp(xf.data(), yf.data(), xf.size() * sizeof(float)), 0) << n;
    EXPECT_TRUE(same(kernel_acc.finish(), base_acc.finish())) << n;
    EXPECT_TRUE(same(kernel_f.finish(), base_f.finish())) << n;
    // and the generating variant equals fill-then-transform
    const auto gen = array::Generator::parse("random:4");
    std::vector<double> g1(static_cast<size_t>(n)), g2(static_cast<size_t>(n));
    ChunkAccumulator a1, a2;
    array::generate_transform_accumulate(gen, 12345, p, g1.data(), n, false, &a1);
    gen.fill(12345, n, g2.data());
    array::transform_and_accumulate(p, g2.data(), n, false, &a2);
    EXPECT_EQ(std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(double)), 0) << n;
    EXPECT_TRUE(same(a1.finish(), a2.finish())) << n;
  }
  const std::string isa = array::tile_kernel_isa();
  EXPECT_TRUE(isa == "avx2" || isa == "baseline") << isa;
}

namespace {
// The plain, element-by-element reference of fused_tile, compiled in this test (baseline ISA).
template <typename T>
void reference_tile(const array::Generator* gen, Index first, const array::Pipeline& p, T* t, Index m,
                    ChunkAccumulator& acc) {
  for (Index i = 0; i < m; ++i) {
    T x = gen ? gen->value<T>(first + i) : t[i];
    x = p.apply_one(x);
    t[i] = x;
    acc.add_one(x);
  }
}

template <typename T>
void check_fused_tile(const std::string& pipeline, const std::string& init, Index offset, Index m,
                      const array::Needs& needs) {
  const array::Pipeline p = array::Pipeline::parse({pipeline});
  const auto gen = array::Generator::parse(init == "memory" ? "random:8" : init);
  const array::Generator* g = init == "memory" ? nullptr : &gen;
  std::vector<T> prefix(static_cast<size_t>(offset), T(0.25));
  std::vector<T> input(static_cast<size_t>(m));
  gen.fill(1000, m, input.data());
  for (auto& v : input) v = v * T(3) - T(1);  // negative values too (abs, clip)
  for (bool store : {true, false}) {
    ChunkAccumulator fast(needs), ref(needs);
    fast.add(prefix.data(), offset);  // the tile starts off a lane boundary
    ref.add(prefix.data(), offset);
    std::vector<T> a = input, b = input;
    array::fused_tile(g, 1000, p, a.data(), m, store, false, &fast);
    reference_tile(g, 1000, p, b.data(), m, ref);
    ASSERT_TRUE(same(fast.finish(), ref.finish()))
        << pipeline << " " << init << " offset " << offset << " m " << m << " store " << store;
    if (store) {
      ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(T)), 0) << pipeline << " " << init << " " << m;
    }
  }
}
}  // namespace

// Register-level fusion (native operations: square, scale, add, abs, clip) and the pass-based path
// (exp, log, ...) against the element-by-element reference: same values, same accumulator bits,
// for every input kind, tile length, lane offset and set of needs.
TEST(TileKernel, FusedTilesMatchTheElementByElementReference) {
  const std::vector<array::Needs> needs{array::Needs::all(), array::Needs::of({Reduction::sum}),
                                        array::Needs::of({Reduction::max})};
  for (const char* pl : {"scale:1.7,add:-0.3,square,abs,clip:0.1:3", "square", "abs,clip:-0.5:0.5",
                         "scale:2,exp,add:1,log"})
    for (const char* init : {"ones", "arange", "random:3", "memory"})
      for (Index offset : {Index{0}, Index{3}})
        for (Index m : {Index{1}, Index{8}, Index{31}, Index{32}, Index{33}, Index{1000}, Index{4099}})
          for (const auto& nd : needs) {
            check_fused_tile<double>(pl, init, offset, m, nd);
            check_fused_tile<float>(pl, init, offset, m, nd);
          }
}
