// tessera-heat: the explicit heat equation on a block-distributed 2D/3D grid, with the halo
// exchange overlapped with the interior update (the asyncio pattern in HPC form), checkpoints, and
// restart on any number of ranks.
//
// Each step: HaloExchange::start() posts MPI_Irecv/MPI_Isend for every face; the cells that need
// no ghost are updated while the messages fly (with an MPI progress call between interior slabs);
// finish() waits; then the strips next to the faces are updated. --overlap off completes the
// exchange first; both modes, every rank count and every thread count give bitwise-identical fields.
//
// Usage:
//   mpirun -np 4 tessera-heat --dims 2 --n 4096 --steps 500 --alpha 1 --output heat.h5
//   mpirun -np 2 tessera-heat --init hotspot --snapshot-every 20 --output heat.h5   # heat.xmf for ParaView
//   mpirun -np 4 tessera-heat --steps 10000 --checkpoint-every 500 --checkpoint-dir ckpt --keep 2
//   mpirun -np 8 tessera-heat --steps 10000 --restart ckpt          # newest checkpoint, any rank count
//
// Verification: --init sine (default) starts from the k=1 sine mode, which FTCS multiplies by a known
// lambda every step; the final field is compared with lambda^steps * u0 (max error, tolerance
// 1e-12 + 8 eps per step). --init hotspot checks the discrete maximum principle on the recorded
// norms: min >= 0, max never increases (4 ulp slack) and stays <= max0, l2 never increases.
//
// Figures: per-step time of each part (post, interior, progress, wait, boundary, total; slowest
// rank), the overlap achieved by the OSU definition, 100 * (1 - (t_total - t_compute) / t_pure)
// clipped at 0, with t_compute = interior + boundary and t_pure one start()+finish() timed alone
// before the run (worst rank), cells/s, and the effective memory bandwidth under the model of 16
// bytes per cell update: u read once and u_new written once (neighbour reuse from cache; the
// write-allocate read is not counted, as STREAM does not count it).
//
// Signals: SIGTERM or SIGUSR1 (e.g. Slurm's --signal=B:USR1@60 forwarded by the batch script, or
// `kill -USR1 <mpirun pid>`; Open MPI's mpirun forwards SIGUSR1 to the ranks) make every rank finish
// the current step, write a checkpoint, print PREEMPTED and exit with code 75 so the job can be
// requeued with --restart DIR. The ranks vote on the flag after every step (a non-blocking
// MPI_Iallreduce completed one step later, so the vote costs no synchronisation).
//
// Exit codes: 0 VERIFIED; 1 FAILED verification; 2 bad usage or input (unstable r, bad --grid, a grid
// too small for every rank to own cells, a checkpoint that is not ours, of another shape, damaged or
// truncated, an unwritable output directory); 3 runtime or I/O error; 75 checkpointed on a signal.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "options.hpp"
#include "progress.hpp"
#include "state_io.hpp"
#include "tessera/array/checksum.hpp"
#include "tessera/heat/solver.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/report.hpp"
#include "tessera/mpi/stop_vote.hpp"
#include "tessera/program/program.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/io/checkpoint.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/xdmf.hpp"
#include "tessera/mpi/environment.hpp"

namespace heat_app {
namespace {
using namespace tessera;
using heat::HeatInit;
using heat::StepTimes;

constexpr double eps = DBL_EPSILON;

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The problem: from the options, or from the checkpoint (explicit options must then agree).
HeatProblem make_problem(const Options& o, const CheckpointInfo* ck) {
  HeatProblem p;
  if (ck) {
    const HeatProblem& c = ck->problem;
    auto must_match = [&](bool given, bool same, const std::string& option, const std::string& theirs) {
      if (given && !same)
        throw UsageError("--restart '" + ck->path + "' was made with " + option + " " + theirs +
                         "; give the same value or leave the option out");
    };
    must_match(o.n_given, o.n == c.n, "--n", std::to_string(c.n));
    must_match(o.dims_given, o.dims == c.dims, "--dims", std::to_string(c.dims));
    must_match(o.alpha_given, o.alpha == c.alpha, "--alpha", g17(c.alpha));
    must_match(o.dt_given, o.dt == c.dt, "--dt", g17(c.dt));
    must_match(o.init_given, o.init == heat::to_string(c.init), "--init", heat::to_string(c.init));
    p = c;
  } else {
    p.dims = o.dims;
    p.n = o.n;
    p.alpha = o.alpha;
    p.init = heat::parse_heat_init(o.init);
    p.dt = o.dt_given ? o.dt : HeatProblem::default_dt(p.dims, p.n, p.alpha);
  }
  p.validate();
  return p;
}

// The last step recomputed independently (heat::step_residual), relative to max |u|; NaN when the
// run did no step.
constexpr double step_tolerance = 32 * eps;

// sine: the discrete analytic solution lambda^s u0 everywhere; hotspot: the maximum principle over
// the sampled norms; both: the last step recomputed cell by cell (heat::step_residual).
program::Verdict judge(const HeatSolver& s, const History& h, double step_residual, double& max_error) {
  program::Verdict v;
  max_error = NAN;
  if (s.problem().init == HeatInit::sine) {
    max_error = s.max_error_vs_sine();
    v.within("sine_solution", max_error, 1e-12 + 8 * eps * static_cast<double>(s.step_count()),
             fmt::format("max |u - lambda^{} u0|", s.step_count()));
  } else {
    const double max0 = h.max.empty() ? 0 : h.max.front();
    std::string why = h.max.empty() ? "no samples" : "";
    for (size_t k = 0; k < h.size() && why.empty(); ++k) {
      if (h.min[k] < 0) why = fmt::format("min {:.3e} < 0 at step {}", h.min[k], h.step[k]);
      else if (h.max[k] > max0 * (1 + 4 * eps)) why = fmt::format("max {:.17g} > max0 {:.17g} at step {}", h.max[k], max0, h.step[k]);
      else if (k > 0 && h.max[k] > h.max[k - 1] * (1 + 4 * eps))
        why = fmt::format("max grew from {:.17g} to {:.17g} at step {}", h.max[k - 1], h.max[k], h.step[k]);
      else if (k > 0 && h.l2[k] > h.l2[k - 1] * (1 + 1e-12))
        why = fmt::format("l2 grew from {:.17g} to {:.17g} at step {}", h.l2[k - 1], h.l2[k], h.step[k]);
    }
    v.check("max_principle", why.empty(),
            why.empty() ? fmt::format("over {} samples: 0 <= u <= max0 = {}, max and l2 never grow", h.size(), max0)
                        : "violated: " + why);
  }
  if (!std::isnan(step_residual))
    v.within("last_step", step_residual, step_tolerance,
             "the last step recomputed independently, residual relative to max |u|");
  return v;
}

// What the stages share.
struct State : Options {
  CLI::App* app = nullptr;
  std::optional<signals::StopHandlers> stop_handlers;
  std::unique_ptr<CheckpointInfo> ck;
  std::unique_ptr<io::OutputFile> out;
  std::unique_ptr<HeatSolver> solver;
  History hist;
  std::vector<Snapshot> frames;  // the snapshots of the whole run (restarts included), in the output
  size_t snapshots_written = 0;   // by this run
  double last_step_residual = NAN;
  std::uint64_t checksum = 0;  // of the final field (run() computes it once; finish() records it)
  PhaseTimer t_io;
};

void options(CLI::App& app, State& o) {
  add_options(app, o);
  o.app = &app;
}

void validate(program::Context& ctx, State& o) {
  o.common = ctx.common();
  finish_options(*o.app, o);
  o.stop_handlers.emplace();  // from here on a signal ends the run at a step boundary
}

void run(program::Context& ctx, State& o) {
  const mpi::Comm& world = ctx.world();
  const bool overlap = o.overlap == "on";
  const Timer wall;

  // ---- validate -----------------------------------------------------------------------------
  auto& ck = o.ck;
  if (!o.restart.empty()) ck = std::make_unique<CheckpointInfo>(read_checkpoint_info(world, o.restart));
  const HeatProblem p = make_problem(o, ck.get());
  const std::int64_t steps = ck && !o.steps_given ? ck->target_steps : o.steps;
  if (ck && ck->step > steps)
    throw UsageError("--restart '" + ck->path + "' is at step " + std::to_string(ck->step) + ", beyond --steps " +
                     std::to_string(steps));
  std::vector<int> grid_dims;
  if (!o.grid.empty()) grid_dims = mpi::ProcessGrid::parse_dims(o.grid, p.dims, world.size());
  auto layout = HeatSolver::make_layout(world, p.dims, p.n, grid_dims);
  // The checkpoint directory (made if missing; its parent must exist), for --checkpoint-every and for
  // the checkpoint a signal asks for. Checked up front when the user named one or asked for checkpoints.
  if (o.checkpoint_every > 0 || o.checkpoint_dir_given) {
    world.collective_check([&] {
      std::error_code ec;
      if (world.rank() == 0) std::filesystem::create_directory(o.checkpoint_dir, ec);
    });
    world.collective_check([&] { fs::check_writable(io::checkpoint_path(o.checkpoint_dir, checkpoint_prefix, 0)); });
  }

  // ---- allocate -------------------------------------------------------------------------------
  auto& out = o.out;
  if (!o.common.output.empty()) out = std::make_unique<io::OutputFile>(world, o.common.output);
  const std::string grid_text = layout.grid().to_string();
  o.solver = std::make_unique<HeatSolver>(p, std::move(layout));
  HeatSolver& solver = *o.solver;
  solver.set_progress_slabs(o.progress_slabs);
  History& hist = o.hist;
  if (ck) {
    // the snapshots before the checkpoint go into this run's output too (the series covers the run)
    load_checkpoint(*ck, solver, hist, o.frames, out ? &out->file() : nullptr);
    if (!out) o.frames.clear();
  } else {
    solver.initialize();
    hist.add(0, 0.0, solver.norms());
  }
  const std::int64_t first_step = solver.step_count();
  const std::int64_t to_run = steps - first_step;
  const io::Provenance prov = ctx.provenance(grid_text);
  ctx.summary("tessera-heat: {}D, n = {} ({} cells), {} ranks (grid {}) x {} threads, overlap {}, init {}", p.dims, p.n,
            shape_to_string(solver.field().layout().shape()), world.size(), grid_text, mpi::Environment::max_threads(),
            o.overlap, heat::to_string(p.init));
  ctx.summary("  alpha = {}, dx = {:.6g}, dt = {:.6g}, r = alpha*dt/dx^2 = {:.6g} (stable <= {:.6g}), steps {} -> {}{}",
            p.alpha, p.dx(), p.dt, p.r(), HeatProblem::max_stable_r(p.dims), first_step, steps,
            ck ? " (restarted from " + ck->path + ")" : "");

  auto& frames = o.frames;
  auto& snapshots_written = o.snapshots_written;
  PhaseTimer& t_io = o.t_io;
  PhaseTimer t_norms;
  auto snapshot = [&] {
    const auto s = solver.step_count();
    if (!frames.empty() && frames.back().step == s) return;  // carried over from the checkpoint
    t_io.start();
    write_field(out->file(), snapshot_path(s), solver.field(), p, s, solver.time());
    t_io.stop();
    frames.push_back({s, solver.time()});
    ++snapshots_written;
  };
  if (o.snapshot_every > 0 && first_step % o.snapshot_every == 0) snapshot();

  // ---- warm-up: the pure-communication calibration (also warms up the MPI connections) -----------
  const int iters = o.calibration_iters > 0 ? o.calibration_iters
                                            : static_cast<int>(std::clamp<std::int64_t>(to_run, 5, 50));
  const std::vector<double> pure_samples = to_run > 0 ? solver.calibrate_exchange(iters) : std::vector<double>{};
  const bool any_messages = world.sum(static_cast<long long>(solver.halo().messages_per_exchange())) > 0;

  // ---- timed run --------------------------------------------------------------------------------
  ProgressLine progress(world.rank() == 0 && log::level() >= log::Level::normal && stdout_reaches_terminal(),
                        first_step, steps, p.dt);
  StepTimes sum;
  // Per step (up to 2^24 steps): the communication not hidden (total - compute), and the total.
  std::vector<double> visible_comm, step_total;
  visible_comm.reserve(static_cast<size_t>(std::max<std::int64_t>(0, std::min<std::int64_t>(to_run, 1 << 24))));
  step_total.reserve(visible_comm.capacity());
  bool preempted = false;
  int stop_sig = 0;
  signals::StopVote stop_vote(world);
  std::string last_checkpoint;
  double& last_step_residual = o.last_step_residual;
  while (solver.step_count() < steps) {
    // The last step is checked cell by cell against an independent recomputation (not timed).
    const bool last = solver.step_count() + 1 == steps;
    std::optional<array::DistArray<double>> before;
    if (last) before.emplace(solver.field().clone());
    const StepTimes st = solver.step(overlap);
    if (last) {
      if (o.test_bad_step) {  // test hook: as if the coefficient were 1 % off
        auto& u = solver.field();
        const auto& b = *before;
        for (Index i = 0; i < u.extent(0); ++i)
          for (Index j = 0; j < u.extent(1); ++j)
            for (Index k = 0; k < u.extent(2); ++k)
              u.local(i, j, k) = b.local(i, j, k) + 1.01 * (u.local(i, j, k) - b.local(i, j, k));
      }
      last_step_residual = heat::step_residual(p, *before, solver.field());
      before.reset();
    }
    sum += st;
    if (visible_comm.size() < visible_comm.capacity()) {
      visible_comm.push_back(st.total - st.compute());
      step_total.push_back(st.total);
    }
    const std::int64_t s = solver.step_count();
    if (s % o.norms_every == 0 || s == steps) {
      t_norms.start();
      hist.add(s, solver.time(), solver.norms());
      t_norms.stop();
    }
    if (o.snapshot_every > 0 && s % o.snapshot_every == 0) snapshot();
    if (stop_vote.poll() && s < steps) {
      preempted = true;
      stop_sig = stop_vote.signal();
    }
    if ((o.checkpoint_every > 0 && s % o.checkpoint_every == 0) || preempted) {
      t_io.start();
      last_checkpoint = write_checkpoint(o.checkpoint_dir, solver, hist, prov, steps, frames,
                                         out ? &out->file() : nullptr);
      if (world.rank() == 0)
        for (const auto& gone : io::prune_checkpoints(o.checkpoint_dir, checkpoint_prefix, o.keep, s))
          log::debug("removed old checkpoint {}", gone);
      t_io.stop();
    }
    progress.update(s);
    if (preempted) break;
  }
  progress.done();
  stop_vote.finish();
  const std::int64_t ran = solver.step_count() - first_step;

  // ---- figures (slowest rank for times; worst rank for overlap) ----------------------------------
  const double per = ran > 0 ? 1.0 / static_cast<double>(ran) : 0.0;
  StepTimes worst;
  worst.post = world.max(sum.post) * per;
  worst.interior = world.max(sum.interior) * per;
  worst.progress = world.max(sum.progress) * per;
  worst.wait = world.max(sum.wait) * per;
  worst.boundary = world.max(sum.boundary) * per;
  worst.total = world.max(sum.total) * per;
  // OSU: overlap = max(0, 100 (1 - (t_total - t_compute) / t_pure)), per rank, worst rank reported.
  // With means over steps and exchanges as OSU does, and with medians (robust to the preemption
  // spikes of a shared machine).
  const double t_pure = mean_of(pure_samples), t_pure_median = tessera::median(pure_samples);
  const double pure = world.max(t_pure);
  double overlap_pct = NAN, overlap_median_pct = NAN;
  if (ran > 0 && any_messages) {
    auto osu = [](double visible, double pure_comm) {
      return pure_comm > 0 ? std::max(0.0, 100.0 * (1.0 - visible / pure_comm)) : 100.0;
    };
    overlap_pct = world.min(osu(sum.total * per - sum.compute() * per, t_pure));
    overlap_median_pct = world.min(osu(tessera::median(visible_comm), t_pure_median));
  }
  const double cells = static_cast<double>(solver.field().layout().global_size());
  const double cell_rate = worst.total > 0 ? cells / worst.total : 0.0;
  constexpr double bytes_per_cell = 16.0;
  const double gbps = cell_rate * bytes_per_cell / 1e9;
  // The same from the median step of the slowest rank (robust to preemption spikes).
  const double median_step = world.max(tessera::median(step_total));
  const double cell_rate_median = median_step > 0 ? cells / median_step : 0.0;

  Report& report = ctx.report();
  ctx.run_info("grid", grid_text);
  report.parameter("dims", p.dims);
  report.parameter("n", p.n);
  report.parameter("steps", steps);
  report.parameter("first_step", first_step);
  report.parameter("alpha", p.alpha);
  report.parameter("dt", p.dt);
  report.parameter("r", p.r());
  report.parameter("init", heat::to_string(p.init));
  report.parameter("overlap", o.overlap);
  report.parameter("progress_slabs", o.progress_slabs);
  report.metric("steps_run", ran);
  report.metric("seconds_per_step", nlohmann::json{{"post", worst.post}, {"interior", worst.interior}, {"progress", worst.progress},
                                     {"wait", worst.wait}, {"boundary", worst.boundary}, {"total", worst.total}});
  auto number_or_null = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  report.metric("pure_exchange_seconds", pure);
  report.metric("pure_exchange_seconds_median", world.max(t_pure_median));
  report.metric("visible_comm_seconds_median", world.max(tessera::median(visible_comm)));
  report.metric("overlap_percent", number_or_null(overlap_pct));
  report.metric("overlap_percent_median", number_or_null(overlap_median_pct));
  report.metric("cells_per_second", cell_rate);
  report.metric("bytes_per_cell_model", bytes_per_cell);
  report.metric("effective_gb_per_second", gbps);
  report.metric("median_step_seconds", median_step);
  report.metric("cells_per_second_median_step", cell_rate_median);
  report.metric("effective_gb_per_second_median_step", cell_rate_median * bytes_per_cell / 1e9);
  report.metric("halo_bytes_sent_per_step", world.sum(static_cast<long long>(solver.halo().bytes_sent_per_exchange())));
  report.metric("io_seconds", world.max(t_io.total()));
  report.metric("norms_seconds", world.max(t_norms.total()));
  report.metric("wall_seconds", world.max(wall.elapsed()));

  const double ms = 1e3;
  ctx.summary("  per step (ms, slowest rank): post {:.3f}  interior {:.3f}  progress {:.3f}  wait {:.3f}  boundary {:.3f}  "
              "total {:.3f}",
              worst.post * ms, worst.interior * ms, worst.progress * ms, worst.wait * ms, worst.boundary * ms,
              worst.total * ms);
  if (std::isnan(overlap_pct))
    ctx.summary("  overlap: n/a (no halo messages: one rank, non-periodic)");
  else
    ctx.summary("  pure exchange {:.4f} ms; overlap {:.1f} % (OSU: 100*(1 - (t_total - t_compute)/t_pure), means, worst "
                "rank); {:.1f} % from medians",
                pure * ms, overlap_pct, overlap_median_pct);
  ctx.summary("  {:.4g} cells/s, effective bandwidth {:.3f} GB/s (model: {} B per cell update, u read + u_new written)",
              cell_rate, gbps, bytes_per_cell);
  const std::uint64_t checksum = array::bitwise_checksum(solver.field());
  o.checksum = checksum;
  ctx.summary("  checksum of u: {}", hex(checksum));
  report.metric("checksum", hex(checksum));
  report.metric("final_max", hist.max.empty() ? 0.0 : hist.max.back());
  report.metric("final_l2", hist.l2.empty() ? 0.0 : hist.l2.back());

  if (preempted) {
    if (out) out->discard();  // no result: nothing under the output name
    ctx.summary("{} received: stopped after step {}, checkpoint written to {}", signals::signal_name(stop_sig),
                solver.step_count(), last_checkpoint);
    ctx.summary("  resume with: --restart {}", last_checkpoint);
    report.data()["preempted"] = {{"signal", signals::signal_name(stop_sig)}, {"step", solver.step_count()},
                                  {"checkpoint", last_checkpoint}};
    ctx.set_exit(ExitCode::preempted, "PREEMPTED");
  }
}

program::Verdict verify(program::Context& ctx, State& o) {
  if (ctx.exit_override()) return {};  // preempted: no verdict on a run that stopped early
  double max_error = NAN;
  program::Verdict v = judge(*o.solver, o.hist, o.last_step_residual, max_error);
  ctx.metric("max_error", std::isnan(max_error) ? nlohmann::json(nullptr) : nlohmann::json(max_error));
  return v;
}

// The output, only for a verified result (a failed one is not written).
void finish(program::Context& ctx, State& o, const program::Verdict& v) {
  auto& out = o.out;
  if (!out || ctx.exit_override()) return;
  if (!v.verified()) {
    out->discard();
    return;
  }
  const HeatSolver& solver = *o.solver;
  const HeatProblem& p = solver.problem();
  const auto& world = ctx.world();
  auto& frames = o.frames;
  o.t_io.start();
  io::File& f = out->file();
  io::write_provenance(f, ctx.provenance(solver.field().layout().grid().to_string()));
  write_parameters(f, p, solver.step_count(), solver.time(), o.checksum);
  io::write_attr(f, "/", "overlap", o.overlap);
  write_field(f, "/fields/u", solver.field(), p, solver.step_count(), solver.time());
  write_history(f, o.hist);
  write_snapshot_index(f, frames);
  out->commit();
  // The XDMF time series: the snapshots, then the final field unless it is the last snapshot.
  const std::string xmf = io::xdmf_path_for(o.common.output);
  io::write_xdmf_series(world, xmf,
                        xdmf_series(frames, p, solver.step_count(), solver.time(), io::relative_h5_name(xmf, o.common.output)),
                        "heat");
  o.t_io.stop();
  ctx.summary("  wrote {} (/fields/u, /results, {} snapshots{}) and {}", o.common.output, frames.size(),
              frames.size() > o.snapshots_written
                  ? fmt::format(", {} of them from the checkpoint", frames.size() - o.snapshots_written)
                  : "",
              xmf);
}

}  // namespace
}  // namespace heat_app

int main(int argc, char** argv) {
  tessera::program::Program<heat_app::State> p;
  p.name = "heat";
  p.description = "tessera-heat: explicit heat equation, halo exchange overlapped with compute, checkpoint/restart";
  p.footer =
      "Example:\n"
      "  mpirun -np 4 tessera-heat --dims 2 --n 4096 --steps 500 --alpha 1 --output heat.h5\n"
      "  mpirun -np 2 tessera-heat --steps 1000 --checkpoint-every 100 --checkpoint-dir ckpt --keep 2\n"
      "  mpirun -np 3 tessera-heat --steps 1000 --restart ckpt\n"
      "Exit codes: 0 verified, 1 verification failed, 2 bad usage/input, 3 runtime/I-O error,\n"
      "  75 checkpointed after SIGTERM/SIGUSR1 (requeue with --restart).";
  p.options = heat_app::options;
  p.validate = heat_app::validate;
  p.run = heat_app::run;
  p.verify = heat_app::verify;
  p.finish = heat_app::finish;
  return tessera::program::main(argc, argv, p);
}
