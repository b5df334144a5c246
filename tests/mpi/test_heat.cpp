// HeatSolver: overlap on and off give bitwise-equal fields; so do every rank count, process grid
// and thread count; the sine mode decays by exactly lambda per step; the hotspot obeys the maximum
// principle; unstable steps and grids too small for the ranks are refused on every rank.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>

#include "tessera/array/checksum.hpp"
#include "tessera/heat/solver.hpp"
#include "tessera/core/error.hpp"

#ifdef TESSERA_HAVE_OPENMP
#include <omp.h>
#endif

using namespace tessera;
using heat::HeatInit;
using heat::HeatProblem;
using heat::HeatSolver;

namespace {
HeatProblem problem(int dims, Index n, HeatInit init) {
  HeatProblem p;
  p.dims = dims;
  p.n = n;
  p.alpha = 1.0;
  p.dt = HeatProblem::default_dt(dims, n, p.alpha);
  p.init = init;
  return p;
}

HeatSolver solve(const mpi::Comm& comm, const HeatProblem& p, int steps, bool overlap, std::vector<int> grid = {},
                 int slabs = 4) {
  HeatSolver s(p, HeatSolver::make_layout(comm, p.dims, p.n, std::move(grid)));
  s.set_progress_slabs(slabs);
  s.initialize();
  for (int i = 0; i < steps; ++i) s.step(overlap);
  return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Cells of `a` whose bits differ from the dense row-major global array `ref`.
long long count_different(const array::DistArray<double>& a, const std::vector<double>& ref) {
  const auto& shape = a.layout().shape();
  long long bad = 0;
  for (Index i = 0; i < a.extent(0); ++i)
    for (Index j = 0; j < a.extent(1); ++j)
      for (Index k = 0; k < a.extent(2); ++k) {
        const Extents g = a.to_global(i, j, k);
        Index lin = 0;
        for (int d = 0; d < a.ndims(); ++d) lin = lin * shape[static_cast<size_t>(d)] + g[d];
        bad += !same_bits(a.local(i, j, k), ref[static_cast<size_t>(lin)]);
      }
  return bad;
}

// The whole field of a one-rank solve, dense, broadcast from world rank 0 to every rank.
std::vector<double> one_rank_reference(const HeatProblem& p, int steps) {
  const mpi::Comm w = mpi::Comm::world();
  const mpi::Comm alone = w.split(w.rank() == 0 ? 0 : 1, w.rank());
  Index total = 1;
  for (int d = 0; d < p.dims; ++d) total *= p.n;
  std::vector<double> ref(static_cast<size_t>(total));
  if (w.rank() == 0) {
    HeatSolver s = solve(alone, p, steps, true);
    const auto& u = s.field();
    size_t at = 0;
    for (Index i = 0; i < u.extent(0); ++i)
      for (Index j = 0; j < u.extent(1); ++j)
        for (Index k = 0; k < u.extent(2); ++k) ref[at++] = u.local(i, j, k);
  }
  w.bcast(ref.data(), static_cast<int>(ref.size()));
  return ref;
}
}  // namespace

TEST(Heat, OverlapOnAndOffAreBitwiseEqual) {
  const mpi::Comm w = mpi::Comm::world();
  for (int dims : {2, 3})
    for (HeatInit init : {HeatInit::sine, HeatInit::hotspot}) {
      const auto p = problem(dims, dims == 2 ? 41 : 15, init);
      HeatSolver on = solve(w, p, 25, true);
      HeatSolver off = solve(w, p, 25, false);
      long long bad = 0;
      const auto &a = on.field(), &b = off.field();
      for (Index i = 0; i < a.extent(0); ++i)
        for (Index j = 0; j < a.extent(1); ++j)
          for (Index k = 0; k < a.extent(2); ++k) bad += !same_bits(a.local(i, j, k), b.local(i, j, k));
      EXPECT_EQ(w.sum(bad), 0) << dims << "D " << heat::to_string(init);
      EXPECT_EQ(array::bitwise_checksum(a), array::bitwise_checksum(b));
    }
}

TEST(Heat, BitwiseEqualToAOneRankSolve) {
  const mpi::Comm w = mpi::Comm::world();
  for (int dims : {2, 3})
    for (HeatInit init : {HeatInit::sine, HeatInit::hotspot}) {
      const auto p = problem(dims, dims == 2 ? 37 : 13, init);
      const int steps = 30;
      const auto ref = one_rank_reference(p, steps);
      HeatSolver s = solve(w, p, steps, true);
      EXPECT_EQ(w.sum(count_different(s.field(), ref)), 0) << dims << "D " << heat::to_string(init);
    }
}

TEST(Heat, EveryProcessGridGivesTheSameField) {
  const mpi::Comm w = mpi::Comm::world();
  const auto p = problem(2, 30, HeatInit::hotspot);
  const std::uint64_t want = array::bitwise_checksum(solve(w, p, 20, true, {w.size(), 1}).field());
  EXPECT_EQ(array::bitwise_checksum(solve(w, p, 20, true, {1, w.size()}).field()), want);
  EXPECT_EQ(array::bitwise_checksum(solve(w, p, 20, false, {0, 0}, 1).field()), want);
  EXPECT_EQ(array::bitwise_checksum(solve(w, p, 20, true, {0, 0}, 7).field()), want);
  const auto p3 = problem(3, 12, HeatInit::sine);
  const std::uint64_t want3 = array::bitwise_checksum(solve(w, p3, 10, true, {1, 1, w.size()}).field());
  EXPECT_EQ(array::bitwise_checksum(solve(w, p3, 10, true, {w.size(), 1, 1}).field()), want3);
  EXPECT_EQ(array::bitwise_checksum(solve(w, p3, 10, true).field()), want3);
}

TEST(Heat, ThreadCountDoesNotChangeTheField) {
#ifdef TESSERA_HAVE_OPENMP
  const mpi::Comm w = mpi::Comm::world();
  const int before = omp_get_max_threads();
  // large enough that the update regions run in parallel (over 16384 cells per region)
  const auto p = problem(2, 300, HeatInit::hotspot);
  omp_set_num_threads(1);
  HeatSolver one = solve(w, p, 6, true, {}, 1);
  const auto n1 = one.norms();
  omp_set_num_threads(3);
  HeatSolver three = solve(w, p, 6, true, {}, 1);
  const auto n3 = three.norms();
  omp_set_num_threads(before);
  EXPECT_EQ(array::bitwise_checksum(one.field()), array::bitwise_checksum(three.field()));
  EXPECT_TRUE(same_bits(n1.l2, n3.l2));
  EXPECT_TRUE(same_bits(n1.max, n3.max));
#else
  GTEST_SKIP() << "built without OpenMP";
#endif
}

// A plain serial FTCS written here, from the equation alone (zero Dirichlet ghosts, the sine mode
// sin(pi x) per dimension, x_i = (i + 1)/(n + 1)), in long double: nothing of the solver's own code.
std::vector<long double> serial_ftcs(int dims, Index n, long double r, int steps) {
  const Index nz = dims == 3 ? n : 1;
  auto at = [&](Index i, Index j, Index k) { return static_cast<size_t>((i * n + j) * nz + k); };
  std::vector<long double> u(static_cast<size_t>(n * n * nz)), v(u.size());
  const long double pi = 3.141592653589793238462643383279502884L, dx = 1.0L / static_cast<long double>(n + 1);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j)
      for (Index k = 0; k < nz; ++k)
        u[at(i, j, k)] = std::sin(pi * (i + 1) * dx) * std::sin(pi * (j + 1) * dx) *
                         (dims == 3 ? std::sin(pi * (k + 1) * dx) : 1.0L);
  auto get = [&](Index i, Index j, Index k) {
    return i < 0 || j < 0 || k < 0 || i >= n || j >= n || k >= nz ? 0.0L : u[at(i, j, k)];
  };
  for (int s = 0; s < steps; ++s) {
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < n; ++j)
        for (Index k = 0; k < nz; ++k) {
          long double lap = get(i - 1, j, k) + get(i + 1, j, k) + get(i, j - 1, k) + get(i, j + 1, k) - 4 * get(i, j, k);
          if (dims == 3) lap += get(i, j, k - 1) + get(i, j, k + 1) - 2 * get(i, j, k);
          v[at(i, j, k)] = get(i, j, k) + r * lap;
        }
    u.swap(v);
  }
  return u;
}

TEST(Heat, SineModeMatchesAnIndependentSerialSolve) {
  const mpi::Comm w = mpi::Comm::world();
  for (int dims : {2, 3}) {
    const auto p = problem(dims, dims == 2 ? 33 : 11, HeatInit::sine);
    HeatSolver s = solve(w, p, 0, true);
    for (int k = 0; k < 60; ++k) s.step(k % 2 == 0);
    EXPECT_EQ(s.step_count(), 60);
    const auto ref = serial_ftcs(dims, p.n, p.r(), 60);
    // every cell of the distributed solve against the serial one
    const auto& u = s.field();
    double worst = 0;
    for (Index i = 0; i < u.extent(0); ++i)
      for (Index j = 0; j < u.extent(1); ++j)
        for (Index k = 0; k < u.extent(2); ++k) {
          const Extents g = u.to_global(i, j, k);
          const size_t lin = static_cast<size_t>((g[0] * p.n + g[1]) * (dims == 3 ? p.n : 1) + (dims == 3 ? g[2] : 0));
          worst = std::max(worst, static_cast<double>(std::fabs(u.local(i, j, k) - ref[lin])));
        }
    EXPECT_LT(w.max(worst), 1e-13) << dims << "D";
    // the field decayed by the mode's factor: lambda measured from the serial solve, not retyped
    const size_t centre = static_cast<size_t>(((p.n / 2) * p.n + p.n / 2) * (dims == 3 ? p.n : 1) + (dims == 3 ? p.n / 2 : 0));
    const auto one = serial_ftcs(dims, p.n, p.r(), 1), zero = serial_ftcs(dims, p.n, p.r(), 0);
    const double lambda_measured = static_cast<double>(one[centre] / zero[centre]);
    EXPECT_LT(lambda_measured, 1.0);
    EXPECT_NEAR(heat::sine_lambda(p), lambda_measured, 1e-14) << dims << "D";
    // and the solver's own analytic check agrees that this run is right
    EXPECT_LT(s.max_error_vs_sine(), 1e-13) << dims << "D";
  }
}

TEST(Heat, HotspotObeysTheMaximumPrinciple) {
  const mpi::Comm w = mpi::Comm::world();
  const auto p = problem(2, 48, HeatInit::hotspot);
  HeatSolver s = solve(w, p, 0, true);
  auto prev = s.norms();
  EXPECT_EQ(prev.max, 1.0);
  EXPECT_EQ(prev.min, 0.0);
  for (int k = 0; k < 40; ++k) {
    s.step(true);
    const auto now = s.norms();
    EXPECT_LE(now.max, prev.max);
    EXPECT_GE(now.min, 0.0);
    EXPECT_LE(now.l2, prev.l2);
    prev = now;
  }
  EXPECT_LT(prev.max, 1.0);  // heat flowed out of the hot ball
}

TEST(Heat, UnstableStepsAndSmallGridsAreRefused) {
  const mpi::Comm w = mpi::Comm::world();
  auto p = problem(2, 20, HeatInit::sine);
  p.dt = 1.0001 * HeatProblem::max_stable_r(2) * p.dx() * p.dx();
  EXPECT_THROW(p.validate(), UsageError);
  EXPECT_THROW(HeatSolver(p, HeatSolver::make_layout(w, 2, 20)), UsageError);
  p.dt = HeatProblem::max_stable_r(2) * p.dx() * p.dx();  // the limit itself is allowed
  EXPECT_NO_THROW(p.validate());
  auto p3 = problem(3, 20, HeatInit::sine);
  p3.dt = p.dt;  // stable in 2D, not in 3D
  EXPECT_THROW(p3.validate(), UsageError);
  p.n = 0;
  EXPECT_THROW(p.validate(), UsageError);
  EXPECT_THROW(HeatSolver::make_layout(w, 2, 0), UsageError);
  EXPECT_THROW(HeatSolver::make_layout(w, 4, 10), UsageError);
  if (w.size() > 1) {
    EXPECT_THROW(HeatSolver::make_layout(w, 2, w.size() - 1, {w.size(), 1}), UsageError);
  }
  EXPECT_NO_THROW(HeatSolver::make_layout(w, 2, w.size(), {w.size(), 1}));
}

TEST(Heat, ChecksumSeesValuesAndPositions) {
  const mpi::Comm w = mpi::Comm::world();
  HeatSolver s = solve(w, problem(2, 16, HeatInit::hotspot), 3, true);
  const auto base = array::bitwise_checksum(s.field());
  auto& u = s.field();
  // flip the last bit of one value, owned by whoever owns (5, 7)
  const Extents g{5, 7, 0};
  const bool mine = u.box().contains(g);
  double saved = 0;
  if (mine) {
    saved = u.global(g);
    u.global(g) = std::nextafter(saved, 2.0);
  }
  EXPECT_NE(array::bitwise_checksum(u), base);
  if (mine) u.global(g) = saved;
  EXPECT_EQ(array::bitwise_checksum(u), base);
}

// The independent check of a step (the hotspot verdict rests on it): small for the solver's own
// step, and large for a step that did nothing, a wrong coefficient, or stale ghosts at rank faces.
TEST(HeatStepResidual, CatchesANoOpAWrongCoefficientAndADroppedHalo) {
  const mpi::Comm w = mpi::Comm::world();
  for (int dims : {1, 2, 3}) {
    SCOPED_TRACE("dims " + std::to_string(dims));
    const HeatProblem p = problem(dims, dims == 3 ? 14 : 40, HeatInit::hotspot);
    HeatSolver s = solve(w, p, 5, true);
    auto before = s.field().clone();
    s.step(true);
    auto b = before.clone();
    EXPECT_LT(heat::step_residual(p, b, s.field()), 32 * DBL_EPSILON) << "the solver's own step";

    b = before.clone();
    EXPECT_GT(heat::step_residual(p, b, before), 1e-6) << "a step that changed nothing";

    auto scaled = s.field().clone();
    for (Index i = 0; i < scaled.extent(0); ++i)
      for (Index j = 0; j < scaled.extent(1); ++j)
        for (Index k = 0; k < scaled.extent(2); ++k)
          scaled.local(i, j, k) = before.local(i, j, k) + 1.001 * (s.field().local(i, j, k) - before.local(i, j, k));
    b = before.clone();
    EXPECT_GT(heat::step_residual(p, b, scaled), 1e-8) << "r off by 0.1 %";

    // FTCS from ghosts that were never received (zero at every face, rank faces included)
    auto stale = before.clone();
    const auto& L = s.field().layout();
    bool inner_face = false;
    for (int d = 0; d < dims; ++d) inner_face = inner_face || before.box().lo[d] > 0 || before.box().hi[d] < L.shape()[d];
    for (Index i = -1; i <= stale.extent(0); ++i)
      for (Index j = dims > 1 ? -1 : 0; j <= (dims > 1 ? stale.extent(1) : 0); ++j)
        for (Index k = dims > 2 ? -1 : 0; k <= (dims > 2 ? stale.extent(2) : 0); ++k) {
          const bool ghost = i < 0 || i == stale.extent(0) || (dims > 1 && (j < 0 || j == stale.extent(1))) ||
                             (dims > 2 && (k < 0 || k == stale.extent(2)));
          if (ghost && !stale.empty()) stale.local(i, j, k) = 0.0;
        }
    auto wrong = before.clone();
    const double r = p.r();
    for (Index i = 0; i < wrong.extent(0); ++i)
      for (Index j = 0; j < wrong.extent(1); ++j)
        for (Index k = 0; k < wrong.extent(2); ++k) {
          double sum = stale.local(i - 1, j, k) + stale.local(i + 1, j, k);
          if (dims > 1) sum += stale.local(i, j - 1, k) + stale.local(i, j + 1, k);
          if (dims > 2) sum += stale.local(i, j, k - 1) + stale.local(i, j, k + 1);
          wrong.local(i, j, k) = stale.local(i, j, k) + r * (sum - 2 * dims * stale.local(i, j, k));
        }
    b = before.clone();
    const double res = heat::step_residual(p, b, wrong);
    if (w.any(inner_face)) EXPECT_GT(res, 1e-6) << "ghosts at rank faces never received";
    else EXPECT_LT(res, 32 * DBL_EPSILON) << "one rank: no rank face, zero ghosts are the boundary";
  }
}
