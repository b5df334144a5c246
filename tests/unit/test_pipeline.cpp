// Operation parsing, fused pipelines (tile by tile == one element at a time == one step at a time),
// strict-math domain errors, and the random generator's independence of the decomposition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "tessera/array/generator.hpp"
#include "tessera/array/pipeline.hpp"
#include "tessera/core/error.hpp"

using namespace tessera;
using array::Generator;
using array::Op;
using array::OpKind;
using array::Pipeline;

namespace {
template <typename T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}
}  // namespace

TEST(ParseOp, AcceptsEveryOperation) {
  EXPECT_EQ(array::parse_op("square").kind, OpKind::square);
  EXPECT_EQ(array::parse_op("sqrt").kind, OpKind::sqrt);
  EXPECT_EQ(array::parse_op("abs").kind, OpKind::abs);
  EXPECT_EQ(array::parse_op("exp").kind, OpKind::exp);
  EXPECT_EQ(array::parse_op("log").kind, OpKind::log);
  const Op s = array::parse_op("scale:-2.5");
  EXPECT_EQ(s.kind, OpKind::scale);
  EXPECT_EQ(s.a, -2.5);
  EXPECT_EQ(array::parse_op("add:1e3").a, 1000.0);
  EXPECT_EQ(array::parse_op("pow:0.5").a, 0.5);
  const Op c = array::parse_op("clip:-1:2");
  EXPECT_EQ(c.kind, OpKind::clip);
  EXPECT_EQ(c.a, -1.0);
  EXPECT_EQ(c.b, 2.0);
}

TEST(ParseOp, RejectsBadSpecsWithUsageErrors) {
  for (const char* bad : {"", "cube", "square:2", "scale", "scale:", "scale:abc", "scale:1:2", "add:nan", "add:inf",
                          "pow:1e999", "clip:1", "clip:2:1", "clip:a:b", "log:3", "Square"})
    EXPECT_THROW(array::parse_op(bad), UsageError) << "'" << bad << "'";
}

TEST(ParseOp, ToStringRoundTrips) {
  for (const char* spec : {"square", "sqrt", "abs", "exp", "log", "scale:0.1", "add:-3", "pow:2", "clip:-1.5:2.25"}) {
    const Op op = array::parse_op(spec);
    const Op back = array::parse_op(op.to_string());
    EXPECT_EQ(back.kind, op.kind) << spec;
    EXPECT_EQ(back.a, op.a) << spec;
    EXPECT_EQ(back.b, op.b) << spec;
  }
}

TEST(Pipeline, ParseSplitsCommasAndKeepsOrder) {
  const Pipeline p = Pipeline::parse({"square,add:1", "log"});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.ops()[0].kind, OpKind::square);
  EXPECT_EQ(p.ops()[1].kind, OpKind::add);
  EXPECT_EQ(p.ops()[2].kind, OpKind::log);
  EXPECT_EQ(p.to_string(), "square,add:1,log");
  EXPECT_EQ(Pipeline().to_string(), "identity");
  // order matters: (2+1)^2 != 2^2+1
  EXPECT_EQ(Pipeline::parse({"add:1", "square"}).apply_one(2.0), 9.0);
  EXPECT_EQ(Pipeline::parse({"square", "add:1"}).apply_one(2.0), 5.0);
}

template <typename T>
void check_fused_equals_stepwise() {
  const Pipeline p = Pipeline::parse({"abs", "add:0.5", "sqrt", "scale:3", "exp", "log", "pow:1.5", "clip:0.2:40",
                                      "square"});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-20, 20);
  // longer than a tile and not a multiple of it
  const Index n = 3 * Pipeline::tile + 17;
  std::vector<T> x(static_cast<size_t>(n));
  for (auto& v : x) v = static_cast<T>(u(rng));
  std::vector<T> fused = x, stepwise = x;
  p.apply(fused.data(), n);
  // one full pass over the array per operation: what fusion replaces
  for (const Op& op : p.ops())
    for (auto& v : stepwise) v = op.apply(v);
  for (Index i = 0; i < n; ++i) {
    ASSERT_TRUE(same_bits(fused[static_cast<size_t>(i)], stepwise[static_cast<size_t>(i)])) << "element " << i;
    ASSERT_TRUE(same_bits(fused[static_cast<size_t>(i)], p.apply_one(x[static_cast<size_t>(i)]))) << "element " << i;
  }
}

TEST(Pipeline, FusedTilesGiveTheSameBitsAsStepByStep) {
  check_fused_equals_stepwise<double>();
  check_fused_equals_stepwise<float>();
}

TEST(Pipeline, ResultsOfKnownChains) {
  std::vector<double> x{-3, -0.5, 0, 2, 9};
  Pipeline::parse({"square", "scale:2", "add:-1"}).apply(x.data(), 5);
  EXPECT_EQ(x, (std::vector<double>{17, -0.5, -1, 7, 161}));
  std::vector<double> y{-3, 0.5, 8};
  Pipeline::parse({"clip:0:4", "sqrt"}).apply(y.data(), 3);
  EXPECT_EQ(y, (std::vector<double>{0, std::sqrt(0.5), 2}));
  std::vector<float> z{4, 9};
  Pipeline::parse({"pow:0.5", "exp", "log"}).apply(z.data(), 2);
  EXPECT_FLOAT_EQ(z[0], 2.0f);
  EXPECT_FLOAT_EQ(z[1], 3.0f);
}

TEST(Pipeline, StrictMathFindsTheFirstDomainError) {
  const Pipeline p = Pipeline::parse({"add:-5", "log"});
  std::vector<double> x(5000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 10.0 + static_cast<double>(i);
  x[4100] = 1.0;  // log(1 - 5): in the third tile
  auto strict = x;
  const array::DomainError e = p.apply(strict.data(), static_cast<Index>(strict.size()), true);
  ASSERT_TRUE(e.found());
  EXPECT_EQ(e.op, 1);
  EXPECT_EQ(e.offset, 4100);
  EXPECT_EQ(e.value, -4.0);
  // without strict: IEEE NaN, nothing reported
  auto lax = x;
  EXPECT_FALSE(p.apply(lax.data(), static_cast<Index>(lax.size())).found());
  EXPECT_TRUE(std::isnan(lax[4100]));
  // log(0), sqrt(-1), pow(-2, 0.5), pow(0, -1) are errors; pow(-2, 3) and NaN input are not
  EXPECT_TRUE(Op::log().domain_error(0.0));
  EXPECT_TRUE(Op::sqrt().domain_error(-1.0));
  EXPECT_TRUE(Op::pow(0.5).domain_error(-2.0));
  EXPECT_TRUE(Op::pow(-1).domain_error(0.0));
  EXPECT_FALSE(Op::pow(3).domain_error(-2.0));
  EXPECT_FALSE(Op::log().domain_error(std::nan("")));
}

TEST(Generator, ParsesSpecs) {
  EXPECT_EQ(Generator::parse("ones").value<double>(123), 1.0);
  EXPECT_EQ(Generator::parse("zeros").value<float>(5), 0.0f);
  EXPECT_EQ(Generator::parse("arange").value<double>(77), 77.0);
  EXPECT_EQ(Generator::parse("random:42").seed(), 42u);
  EXPECT_EQ(Generator::parse("random:42").to_string(), "random:42");
  for (const char* bad : {"random", "random:", "random:-1", "random:x", "one", "", "random:123456789012345678901234"})
    EXPECT_THROW(Generator::parse(bad), UsageError) << bad;
  EXPECT_TRUE(Generator::is_generator("random:3"));
  EXPECT_FALSE(Generator::is_generator("in.h5:/x"));
}

// The same global index gives the same value however the index range is cut (blocks, rows,
// single elements, any order), and different seeds give different streams.
TEST(Generator, RandomValuesDependOnlyOnTheGlobalIndex) {
  const Generator g = Generator::parse("random:2024");
  const Index n = 10007;
  std::vector<double> whole(static_cast<size_t>(n));
  g.fill<double>(0, n, whole.data());
  std::mt19937 rng(1);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> pieces(static_cast<size_t>(n));
    // random cut points, filled in reverse order
    std::vector<Index> cuts{0, n};
    for (int k = 0; k < 1 + trial; ++k) cuts.push_back(static_cast<Index>(rng() % static_cast<unsigned>(n)));
    std::sort(cuts.begin(), cuts.end());
    for (size_t k = cuts.size() - 1; k-- > 0;)
      g.fill<double>(cuts[k], cuts[k + 1] - cuts[k], pieces.data() + cuts[k]);
    ASSERT_EQ(std::memcmp(pieces.data(), whole.data(), whole.size() * sizeof(double)), 0) << "trial " << trial;
  }
  for (Index i = 0; i < n; i += 97) EXPECT_TRUE(same_bits(g.value<double>(i), whole[static_cast<size_t>(i)]));
  // values in [0, 1), roughly uniform, distinct seeds differ
  double sum = 0;
  for (double v : whole) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    sum += v;
  }
  EXPECT_NEAR(sum / static_cast<double>(n), 0.5, 6 * std::sqrt(1.0 / 12 / static_cast<double>(n)));
  const Generator h = Generator::parse("random:2025");
  int equal = 0;
  for (Index i = 0; i < 1000; ++i) equal += g.value<double>(i) == h.value<double>(i);
  EXPECT_LT(equal, 2);
  std::set<double> distinct(whole.begin(), whole.end());
  EXPECT_GT(distinct.size(), whole.size() - 2);
}

TEST(Generator, FloatRandomValuesStayBelowOne) {
  const Generator g = Generator::parse("random:9");
  for (Index i = 0; i < 200000; ++i) {
    const float v = g.value<float>(i);
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
  }
}
