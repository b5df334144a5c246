#include "tessera/heat/solver.hpp"


#include <algorithm>
#include <cmath>
#include <cstring>

#include "tessera/core/error.hpp"
#include "tessera/core/timer.hpp"

namespace tessera::heat {

using array::local_box;
using array::slabs;
using array::split_for_overlap;

namespace {
constexpr double pi = 3.14159265358979323846;

std::string fmt_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

HeatInit parse_heat_init(const std::string& text) {
  if (text == "sine") return HeatInit::sine;
  if (text == "hotspot") return HeatInit::hotspot;
  throw UsageError("--init '" + text + "': expected sine or hotspot");
}

std::string to_string(HeatInit init) { return init == HeatInit::sine ? "sine" : "hotspot"; }

double HeatProblem::default_dt(int dims, Index n, double alpha) {
  const double dx = 1.0 / static_cast<double>(n + 1);
  return 0.9 * max_stable_r(dims) * dx * dx / alpha;
}

void HeatProblem::validate() const {
  if (dims < 1 || dims > 3) throw UsageError("--dims " + std::to_string(dims) + ": expected 2 or 3");
  if (n < 1) throw UsageError("--n " + std::to_string(n) + ": the grid needs at least one point per dimension");
  if (!(alpha > 0) || !std::isfinite(alpha)) throw UsageError("--alpha " + fmt_double(alpha) + ": must be positive");
  if (!(dt > 0) || !std::isfinite(dt)) throw UsageError("--dt " + fmt_double(dt) + ": must be positive");
  if (r() > max_stable_r(dims))
    throw UsageError("unstable: r = alpha*dt/dx^2 = " + fmt_double(r()) + " exceeds 1/(2*dims) = " +
                     fmt_double(max_stable_r(dims)) + " for --dims " + std::to_string(dims) + " (use --dt <= " +
                     fmt_double(max_stable_r(dims) * dx() * dx() / alpha) + ")");
}

double sine_lambda(const HeatProblem& p) {
  const double s = std::sin(pi / (2.0 * static_cast<double>(p.n + 1)));
  return 1.0 - 4.0 * p.r() * p.dims * s * s;
}

double initial_value(const HeatProblem& p, const Extents& g) {
  const double dx = p.dx();
  if (p.init == HeatInit::sine) {
    double v = 1.0;
    for (int d = 0; d < p.dims; ++d) v *= std::sin(pi * static_cast<double>(g[d] + 1) * dx);
    return v;
  }
  // Two hot balls (values 1 and 0.5) in a cold domain.
  static const double c1[3] = {0.32, 0.36, 0.40}, c2[3] = {0.70, 0.64, 0.58};
  double d1 = 0, d2 = 0;
  for (int d = 0; d < p.dims; ++d) {
    const double x = static_cast<double>(g[d] + 1) * dx;
    d1 += (x - c1[d]) * (x - c1[d]);
    d2 += (x - c2[d]) * (x - c2[d]);
  }
  if (d1 <= 0.18 * 0.18) return 1.0;
  if (d2 <= 0.12 * 0.12) return 0.5;
  return 0.0;
}

StepTimes& StepTimes::operator+=(const StepTimes& o) {
  post += o.post;
  interior += o.interior;
  progress += o.progress;
  wait += o.wait;
  boundary += o.boundary;
  total += o.total;
  return *this;
}

BlockLayout HeatSolver::make_layout(const mpi::Comm& comm, int dims, Index n, std::vector<int> grid_dims) {
  if (dims < 1 || dims > 3) throw UsageError("--dims " + std::to_string(dims) + ": expected 2 or 3");
  if (n < 1) throw UsageError("--n " + std::to_string(n) + ": the grid needs at least one point per dimension");
  if (grid_dims.empty()) grid_dims.assign(static_cast<size_t>(dims), 0);
  mpi::ProcessGrid grid(comm, grid_dims);
  for (int d = 0; d < dims; ++d)
    if (grid.dim(d) > n)
      throw UsageError("--n " + std::to_string(n) + " is too small for the process grid " + grid.to_string() +
                       ": every rank must own cells, and " + std::to_string(grid.dim(d)) +
                       " ranks share dimension " + std::to_string(d) + " (use fewer ranks, another --grid or a larger --n)");
  return BlockLayout(std::vector<Index>(static_cast<size_t>(dims), n), std::vector<Index>(static_cast<size_t>(dims), 1),
                     std::move(grid));
}

HeatSolver::HeatSolver(const HeatProblem& problem, BlockLayout layout) : problem_(problem) {
  problem_.validate();
  r_ = problem_.r();
  if (layout.ndims() != problem_.dims || layout.shape() != std::vector<Index>(static_cast<size_t>(problem_.dims), problem_.n))
    throw UsageError("heat solver: layout " + layout.to_string() + " does not match the problem's " +
                     std::to_string(problem_.n) + "^" + std::to_string(problem_.dims) + " grid");
  u_[0] = DistArray<double>(layout, 1);
  u_[1] = DistArray<double>(std::move(layout), 1);
  halo_ = HaloExchange(u_[0], 1);
  std::array<bool, 3> lo{false, false, false}, hi{false, false, false};
  for (int d = 0; d < problem_.dims; ++d) {
    lo[static_cast<size_t>(d)] = halo_.has_lower(d);
    hi[static_cast<size_t>(d)] = halo_.has_upper(d);
  }
  split_ = split_for_overlap(local_box(u_[0]), lo, hi, 1);
  interior_slabs_ = slabs(split_.interior, progress_slabs_);
}

void HeatSolver::initialize() {
  DistArray<double>& u = u_[cur_];
  const Index n0 = u.extent(0), n1 = u.extent(1), n2 = u.extent(2);
  const HeatProblem p = problem_;
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < n0; ++i)
    for (Index j = 0; j < n1; ++j)
      for (Index k = 0; k < n2; ++k) u.local(i, j, k) = initial_value(p, u.to_global(i, j, k));
  step_ = 0;
}

void HeatSolver::set_progress_slabs(int k) {
  progress_slabs_ = std::max(1, k);
  interior_slabs_ = slabs(split_.interior, progress_slabs_);
}

StepTimes HeatSolver::step(bool overlap) {
  DistArray<double>& u = u_[cur_];
  DistArray<double>& un = u_[1 - cur_];
  StepTimes t;
  const double t0 = wtime();
  if (overlap) {
    halo_.start(u);
    const double t1 = wtime();
    for (size_t s = 0; s < interior_slabs_.size(); ++s) {
      ftcs_update(u, un, r_, interior_slabs_[s]);
      if (s + 1 < interior_slabs_.size()) {
        const double tp = wtime();
        halo_.test();
        t.progress += wtime() - tp;
      }
    }
    const double t2 = wtime();
    halo_.finish();
    const double t3 = wtime();
    for (const Box& b : split_.strips) ftcs_update(u, un, r_, b);
    const double t4 = wtime();
    t.post = t1 - t0;
    t.interior = (t2 - t1) - t.progress;
    t.wait = t3 - t2;
    t.boundary = t4 - t3;
    t.total = t4 - t0;
  } else {
    halo_.start(u);
    halo_.finish();
    const double t1 = wtime();
    for (const Box& b : interior_slabs_) ftcs_update(u, un, r_, b);
    const double t2 = wtime();
    for (const Box& b : split_.strips) ftcs_update(u, un, r_, b);
    const double t3 = wtime();
    t.wait = t1 - t0;
    t.interior = t2 - t1;
    t.boundary = t3 - t2;
    t.total = t3 - t0;
  }
  cur_ = 1 - cur_;
  ++step_;
  return t;
}

std::vector<double> HeatSolver::calibrate_exchange(int iters) {
  DistArray<double>& u = u_[cur_];
  iters = std::max(1, iters);
  halo_.exchange(u);  // warm-up
  u.comm().barrier();
  std::vector<double> t(static_cast<size_t>(iters));
  for (auto& ti : t) {
    const double t0 = wtime();
    halo_.exchange(u);
    ti = wtime() - t0;
  }
  return t;
}

FieldNorms HeatSolver::norms() const {
  const DistArray<double>& u = field();
  const Index n0 = u.empty() ? 0 : u.extent(0), n1 = u.extent(1), n2 = u.extent(2);
  // Per-row partial sums, then a serial sum in row order: independent of the thread count.
  std::vector<double> rows(static_cast<size_t>(n0), 0.0);
  double mx = -HUGE_VAL, mn = HUGE_VAL;
#pragma omp parallel for schedule(static) reduction(max : mx) reduction(min : mn)
  for (Index i = 0; i < n0; ++i) {
    double s = 0;
    for (Index j = 0; j < n1; ++j)
      for (Index k = 0; k < n2; ++k) {
        const double v = u.local(i, j, k);
        s += v * v;
        mx = std::max(mx, v);
        mn = std::min(mn, v);
      }
    rows[static_cast<size_t>(i)] = s;
  }
  double sum = 0;
  for (double s : rows) sum += s;
  FieldNorms out;
  const auto& comm = u.comm();
  out.l2 = std::sqrt(comm.sum(sum) * std::pow(problem_.dx(), problem_.dims));
  out.max = comm.max(mx);
  out.min = comm.min(mn);
  return out;
}

double HeatSolver::max_error_vs_sine() const {
  const DistArray<double>& u = field();
  const double scale = std::pow(sine_lambda(problem_), static_cast<double>(step_));
  HeatProblem p = problem_;
  p.init = HeatInit::sine;
  const Index n0 = u.empty() ? 0 : u.extent(0), n1 = u.extent(1), n2 = u.extent(2);
  double err = 0;
#pragma omp parallel for schedule(static) reduction(max : err)
  for (Index i = 0; i < n0; ++i)
    for (Index j = 0; j < n1; ++j)
      for (Index k = 0; k < n2; ++k)
        err = std::max(err, std::abs(u.local(i, j, k) - scale * initial_value(p, u.to_global(i, j, k))));
  return u.comm().max(err);
}

double step_residual(const HeatProblem& p, DistArray<double>& b, const DistArray<double>& a) {
  const int nd = b.ndims();
  if (b.ghost() < 1) throw Error("step_residual: the copy needs a ghost layer");
  // domain-edge ghosts are the Dirichlet zeros, whatever the copy held there
  if (!b.empty()) {
    for (int d = 0; d < nd; ++d) {
      for (int side = 0; side < 2; ++side) {
        const bool edge = side == 0 ? b.box().lo[d] == 0 : b.box().hi[d] == p.n;
        if (!edge) continue;
        Extents lo{0, 0, 0}, hi{b.extent(0), b.extent(1), b.extent(2)};
        lo[d] = side == 0 ? -1 : b.extent(d);
        hi[d] = lo[d] + 1;
        for (Index i = lo[0]; i < hi[0]; ++i)
          for (Index j = lo[1]; j < hi[1]; ++j)
            for (Index k = lo[2]; k < hi[2]; ++k) b.local(i, j, k) = 0.0;
      }
    }
  }
  {
    HaloExchange fresh(b, 1);  // a new exchange, blocking: not the solver's overlapped one
    fresh.start(b);
    fresh.finish();
  }
  const long double r = p.r();
  double worst = 0, scale = 0;
  if (!b.empty()) {
    const Index n0 = b.extent(0), n1 = b.extent(1), n2 = b.extent(2);
#pragma omp parallel for schedule(static) reduction(max : worst, scale)
    for (Index i = 0; i < n0; ++i)
      for (Index j = 0; j < n1; ++j)
        for (Index k = 0; k < n2; ++k) {
          const long double c = b.local(i, j, k);
          long double sum = 0;
          sum += static_cast<long double>(b.local(i - 1, j, k)) + b.local(i + 1, j, k);
          if (nd > 1) sum += static_cast<long double>(b.local(i, j - 1, k)) + b.local(i, j + 1, k);
          if (nd > 2) sum += static_cast<long double>(b.local(i, j, k - 1)) + b.local(i, j, k + 1);
          const long double want = c + r * (sum - 2 * nd * c);
          worst = std::max(worst, static_cast<double>(std::fabs(static_cast<long double>(a.local(i, j, k)) - want)));
          scale = std::max(scale, static_cast<double>(std::fabs(c)));
        }
  }
  worst = b.comm().max(worst);
  scale = b.comm().max(scale);
  return scale > 0 ? worst / scale : (worst > 0 ? INFINITY : 0.0);
}

}  // namespace tessera::heat
