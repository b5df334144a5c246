// tessera/heat/solver.hpp: the explicit heat equation u_t = alpha * laplace(u) on the unit
// square/cube, block-distributed, with the halo exchange overlapped with the interior update.
//
// Discretisation: N interior points per dimension, x_i = i/(N+1), i = 1..N (global index g = i-1),
// dx = 1/(N+1), zero Dirichlet values at x = 0 and x = 1 (the ghost layers at the domain's edge,
// which stay zero), forward Euler in time (FTCS): r = alpha*dt/dx^2, stable for r <= 1/(2*dims).
//
// Exact discrete solution used for verification: u0 = prod_d sin(pi x_d) (mode k = 1) is an
// eigenvector of the FTCS step, u(s) = lambda^s u0 with lambda = 1 - 4 r sum_d sin^2(pi/(2(N+1))).
//
// Results are bitwise identical for any rank count, process grid, thread count and overlap mode:
// every cell is computed by the same formula in the same order (see stencil.hpp), from the same
// inputs (the ghost values are copies of the neighbours' cells).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/array/halo_exchange.hpp"
#include "tessera/heat/stencil.hpp"

namespace tessera::heat {

using array::DistArray;
using array::BlockLayout;
using array::BlockSplit;
using array::HaloExchange;

enum class HeatInit { sine, hotspot };
// "sine" | "hotspot"; UsageError otherwise.
HeatInit parse_heat_init(const std::string& text);
std::string to_string(HeatInit init);

struct HeatProblem {
  int dims = 2;
  Index n = 0;          // interior points per dimension
  double alpha = 1.0;   // diffusivity
  double dt = 0.0;      // time step
  HeatInit init = HeatInit::sine;

  double dx() const { return 1.0 / static_cast<double>(n + 1); }
  double r() const { return alpha * dt / (dx() * dx()); }
  // Largest stable r of FTCS in `dims` dimensions: 1/(2 dims).
  static double max_stable_r(int dims) { return 0.5 / dims; }
  // The default time step: r = 0.9 * max_stable_r (a margin for rounding, and the max-principle
  // check stays exact), dt = r dx^2 / alpha.
  static double default_dt(int dims, Index n, double alpha);
  // UsageError naming the problem: dims not 1..3, n < 1, alpha or dt not positive and finite,
  // r above the stability limit.
  void validate() const;
};

// The per-step factor lambda of the k = 1 sine mode (see the header comment).
double sine_lambda(const HeatProblem& p);
// Initial value at a global index.
double initial_value(const HeatProblem& p, const Extents& global_index);

// Seconds spent per part of one step (or summed over steps). total = post + interior + progress +
// wait + boundary (+ loop overhead).
struct StepTimes {
  double post = 0;      // start(): posting receives and sends
  double interior = 0;  // update of the cells that need no ghosts
  double progress = 0;  // HaloExchange::test() calls between interior slabs (MPI progress)
  double wait = 0;      // finish() (overlap on), or start()+finish() (overlap off: all of the exchange)
  double boundary = 0;  // update of the strips next to the faces
  double total = 0;
  StepTimes& operator+=(const StepTimes& o);
  double compute() const { return interior + boundary; }
};

struct FieldNorms {
  double l2 = 0;   // sqrt(dx^dims * sum u^2); reproducible for a given process grid
  double max = 0;  // exact whatever the decomposition
  double min = 0;
};

class HeatSolver {
 public:
  // A layout for the problem: chunks of one cell, so each dimension is split as evenly as the
  // grid allows. grid_dims: process grid (0 = let MPI choose; empty = MPI_Dims_create for all).
  // Throws UsageError (on every rank) when some rank would own no cell along a dimension.
  static BlockLayout make_layout(const mpi::Comm& comm, int dims, Index n, std::vector<int> grid_dims = {});

  // Collective. Validates the problem (UsageError), allocates u and u_new with one ghost layer and
  // builds the halo exchange. The layout's shape must be n^dims.
  HeatSolver(const HeatProblem& problem, BlockLayout layout);

  const HeatProblem& problem() const { return problem_; }
  double r() const { return r_; }
  std::int64_t step_count() const { return step_; }
  double time() const { return static_cast<double>(step_) * problem_.dt; }
  DistArray<double>& field() { return u_[cur_]; }
  const DistArray<double>& field() const { return u_[cur_]; }
  const HaloExchange& halo() const { return halo_; }
  const BlockSplit& split() const { return split_; }

  // Sets the field to the problem's initial condition at step 0.
  void initialize();
  // After the field was loaded from a checkpoint: the step it belongs to.
  void set_step(std::int64_t step) { step_ = step; }
  // Interior slabs per step with an MPI progress call between them (overlap mode; default 4).
  void set_progress_slabs(int k);

  // One time step. overlap: start(), interior, finish(), strips; otherwise start()+finish(), then
  // interior and strips. Both give bitwise-identical fields.
  StepTimes step(bool overlap);
  // Seconds of each of `iters` start()+finish() with no compute between, on this rank (the
  // pure-communication calibration of the overlap figure). Collective (barrier first).
  std::vector<double> calibrate_exchange(int iters);

  // Collective reductions over the current field.
  FieldNorms norms() const;
  // max |u - lambda^step u0| (the sine verification).
  double max_error_vs_sine() const;

 private:
  HeatProblem problem_;
  double r_ = 0;
  DistArray<double> u_[2];
  int cur_ = 0;
  HaloExchange halo_;
  BlockSplit split_;
  std::vector<Box> interior_slabs_;
  int progress_slabs_ = 4;
  std::int64_t step_ = 0;
};

// An independent check of one FTCS step: `before` is a copy (ghost width >= 1) of the field taken
// before the step, `after` the field after it. The ghost layers of `before` are refilled here (zero
// at the domain's edge, a fresh blocking exchange with the neighbours elsewhere), each owned cell's
// update u + r (sum of the 2 dims neighbours - 2 dims u) is recomputed in long double, and the largest
// |after - expected| over all cells is returned relative to max |before| (collective). Rounding
// keeps it below ~10 eps; a step that did nothing, used another coefficient, or updated cells next
// to a rank boundary from stale ghosts gives far more. `before` is modified (its ghosts).
double step_residual(const HeatProblem& p, DistArray<double>& before, const DistArray<double>& after);

}  // namespace tessera::heat
