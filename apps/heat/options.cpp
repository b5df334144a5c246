#include "options.hpp"

#include "tessera/core/error.hpp"

namespace heat_app {

void add_options(CLI::App& app, Options& o) {
  app.add_option("--dims", o.dims, "Dimensions: 2 (5-point stencil) or 3 (7-point)")->capture_default_str();
  app.add_option("--n", o.n, "Interior grid points per dimension (default 1024 in 2D, 128 in 3D)");
  app.add_option("--steps", o.steps, "Time steps to run (the final step number, also after --restart)")
      ->capture_default_str();
  app.add_option("--alpha", o.alpha, "Diffusivity alpha")->capture_default_str();
  app.add_option("--dt", o.dt, "Time step (default: r = alpha*dt/dx^2 = 0.9/(2*dims))");
  app.add_option("--init", o.init, "Initial condition: sine (exact solution known) or hotspot")
      ->check(CLI::IsMember({"sine", "hotspot"}))
      ->capture_default_str();
  app.add_option("--grid", o.grid, "Process grid PxQ (2D) or PxQxR (3D); 0 = let MPI choose");
  app.add_option("--overlap", o.overlap, "Overlap the halo exchange with the interior update")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_flag("--test-bad-step", o.test_bad_step, "Test hook: the last step's update is 1 % too large")->group("");
  app.add_option("--progress-slabs", o.progress_slabs,
                 "Interior slabs per step, with an MPI progress call between them (overlap on)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--norms-every", o.norms_every, "Record l2/max/min every K steps in /results")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--snapshot-every", o.snapshot_every,
                 "Write /snapshots/u_<step> every K steps (and an XDMF time series beside the output)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--checkpoint-every", o.checkpoint_every, "Write a checkpoint every K steps (0: only on a signal)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--checkpoint-dir", o.checkpoint_dir, "Directory of the checkpoints heat-<step>.h5")
      ->capture_default_str();
  app.add_option("--keep", o.keep, "Checkpoints to keep (older ones are deleted)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--restart", o.restart, "Resume from this checkpoint, or from the newest one in this directory");
  app.add_option("--calibration-iters", o.calibration_iters,
                 "Exchanges timed alone for the overlap figure (0: min(50, max(5, steps)))")
      ->check(CLI::NonNegativeNumber);
}

void finish_options(CLI::App& app, Options& o) {
  o.n_given = app.count("--n") > 0;
  o.steps_given = app.count("--steps") > 0;
  o.checkpoint_dir_given = app.count("--checkpoint-dir") > 0;
  o.dims_given = app.count("--dims") > 0;
  o.alpha_given = app.count("--alpha") > 0;
  o.dt_given = app.count("--dt") > 0;
  o.init_given = app.count("--init") > 0;
  if (o.dims != 2 && o.dims != 3) throw tessera::UsageError("--dims " + std::to_string(o.dims) + ": expected 2 or 3");
  if (!o.n_given && o.dims == 3) o.n = 128;
  if (o.n < 1) throw tessera::UsageError("--n " + std::to_string(o.n) + ": the grid needs at least one point per dimension");
  if (o.steps < 0) throw tessera::UsageError("--steps " + std::to_string(o.steps) + ": must not be negative");
  if (o.dt_given && !(o.dt > 0)) throw tessera::UsageError("--dt: must be positive");
  if (!(o.alpha > 0)) throw tessera::UsageError("--alpha: must be positive");
  if (o.snapshot_every > 0 && o.common.output.empty())
    throw tessera::UsageError("--snapshot-every needs --output FILE.h5 (snapshots are written into it)");
}

}  // namespace heat_app
