// SUMMA's panel plan over global k (pure index arithmetic on detached layouts), the workspace
// estimate, and the counter-based random entries the matrices are filled with.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "tessera/core/error.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/linalg/summa.hpp"

using tessera::Index;
using tessera::array::BlockLayout;
using tessera::linalg::plan_panels;
using tessera::linalg::SummaPanel;
namespace linalg = tessera::linalg;

namespace {

// Every panel lies inside one owner range of each split, has 1..w columns, and they tile [0, k).
void expect_valid(const BlockLayout& a, const BlockLayout& b, Index w, const std::vector<SummaPanel>& plan) {
  Index next = 0;
  for (const auto& p : plan) {
    EXPECT_EQ(p.k0, next);
    EXPECT_GE(p.width(), 1);
    EXPECT_LE(p.width(), w);
    EXPECT_GE(p.k0, a.lo(1, p.a_owner));
    EXPECT_LE(p.k1, a.hi(1, p.a_owner));
    EXPECT_GE(p.k0, b.lo(0, p.b_owner));
    EXPECT_LE(p.k1, b.hi(0, p.b_owner));
    next = p.k1;
  }
  EXPECT_EQ(next, a.shape(1));
}

}  // namespace

TEST(SummaPlan, PanelsAreCutAtBothOwnerBoundaries) {
  // 2 x 2 grid. A's k (29 columns in chunks of 7: 5 chunks) over Q = 2: [0, 21) and [21, 29).
  // B's k (29 rows in chunks of 5: 6 chunks) over P = 2: [0, 15) and [15, 29).
  BlockLayout a({37, 29}, {7, 7}, std::vector<int>{2, 2});
  BlockLayout b({29, 41}, {5, 7}, std::vector<int>{2, 2});
  const auto plan = plan_panels(a, b, 8);
  const std::vector<SummaPanel> want = {{0, 8, 0, 0}, {8, 15, 0, 0}, {15, 21, 0, 1}, {21, 29, 1, 1}};
  EXPECT_EQ(plan, want);
  expect_valid(a, b, 8, plan);
  // without the width limit: only the owner boundaries 15 and 21 remain
  const std::vector<SummaPanel> whole = {{0, 15, 0, 0}, {15, 21, 0, 1}, {21, 29, 1, 1}};
  EXPECT_EQ(plan_panels(a, b, 8, true), whole);
}

TEST(SummaPlan, ManyGridsAndWidths) {
  for (int P : {1, 2, 3, 5})
    for (int Q : {1, 2, 4})
      for (Index ca : {1, 3, 7, 29})
        for (Index cb : {2, 5, 29})
          for (Index w : {1, 4, 8, 100}) {
            BlockLayout a({10, 29}, {10, ca}, std::vector<int>{P, Q});
            BlockLayout b({29, 10}, {cb, 10}, std::vector<int>{P, Q});
            SCOPED_TRACE(std::to_string(P) + "x" + std::to_string(Q) + " ca " + std::to_string(ca) + " cb " +
                         std::to_string(cb) + " w " + std::to_string(w));
            expect_valid(a, b, w, plan_panels(a, b, w));
          }
}

TEST(SummaPlan, BadArguments) {
  BlockLayout a({4, 6}, {2, 3}, std::vector<int>{2, 2});
  BlockLayout b({6, 4}, {3, 2}, std::vector<int>{2, 2});
  BlockLayout b7({7, 4}, {3, 2}, std::vector<int>{2, 2});
  EXPECT_THROW(plan_panels(a, b, 0), tessera::UsageError);
  EXPECT_THROW(plan_panels(a, b7, 4), tessera::UsageError);
  EXPECT_EQ(linalg::parse_gpu_aware("auto"), linalg::GpuAware::automatic);
  EXPECT_EQ(linalg::parse_gpu_aware("off"), linalg::GpuAware::off);
  EXPECT_STREQ(linalg::to_string(linalg::GpuAware::on), "on");
  EXPECT_THROW(linalg::parse_gpu_aware("yes"), tessera::UsageError);
}

TEST(SummaStats, Overlap) {
  linalg::SummaStats s;
  EXPECT_EQ(s.overlap(), 1.0);  // nothing to hide
  s.total_s = 10;
  s.gemm_s = 9;
  s.comm_s = 4;
  EXPECT_DOUBLE_EQ(s.overlap(), 0.75);  // 1 s of the 4 s of communication was exposed
  s.gemm_s = 2;
  EXPECT_EQ(s.overlap(), 0.0);
}

TEST(MatrixFill, CounterHashIsAPureFunctionWithUniformBits) {
  // every argument matters (a hash that ignored one would repeat panels of the random input)
  const auto h = linalg::counter_hash(1, 2, 3, 4);
  EXPECT_NE(h, linalg::counter_hash(0, 2, 3, 4));
  EXPECT_NE(h, linalg::counter_hash(1, 0, 3, 4));
  EXPECT_NE(h, linalg::counter_hash(1, 2, 0, 4));
  EXPECT_NE(h, linalg::counter_hash(1, 2, 3, 0));
  std::set<std::uint64_t> seen;
  for (std::uint64_t s = 0; s < 4; ++s)
    for (std::uint64_t id = 0; id < 4; ++id)
      for (std::uint64_t i = 0; i < 16; ++i)
        for (std::uint64_t j = 0; j < 16; ++j) seen.insert(linalg::counter_hash(s, id, i, j));
  EXPECT_EQ(seen.size(), 4u * 4u * 16u * 16u);  // (i, j) and (j, i), seeds and ids all differ
  // mean ~ 0, spread of a uniform [-1, 1) (variance 1/3), range kept
  double sum = 0, sq = 0;
  const int N = 200000;
  for (int e = 0; e < N; ++e) {
    const double v = linalg::random_entry<double>(9, 1, e / 500, e % 500);
    ASSERT_GE(v, -1.0);
    ASSERT_LT(v, 1.0);
    sum += v;
    sq += v * v;
  }
  EXPECT_NEAR(sum / N, 0.0, 0.01);
  EXPECT_NEAR(sq / N, 1.0 / 3.0, 0.01);
}

TEST(MatrixFill, FloatEntriesStayBelowOne) {
  // all-ones bits: the largest value, which must still be < 1 in float
  EXPECT_LT(linalg::uniform_pm1<float>(~std::uint64_t{0}), 1.0f);
  EXPECT_EQ(linalg::uniform_pm1<float>(0), -1.0f);
  EXPECT_LT(linalg::uniform_pm1<double>(~std::uint64_t{0}), 1.0);
  // float entries are the double ones rounded to 24 bits: equal to within 2^-23
  for (int e = 0; e < 1000; ++e)
    EXPECT_NEAR(linalg::random_entry<float>(3, 0, e, 7), linalg::random_entry<double>(3, 0, e, 7), 0x1.0p-23);
}
