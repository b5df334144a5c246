// apps/heat/options.hpp: the command line of tessera-heat.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "tessera/core/cli.hpp"

namespace heat_app {

struct Options {
  tessera::cli::CommonOptions common;
  int dims = 2;
  std::int64_t n = 1024;          // 2D default; 3D default is 128 unless --n is given
  std::int64_t steps = 200;
  double alpha = 1.0;
  double dt = 0.0;                // 0: the default, r = 0.9/(2 dims)
  std::string init = "sine";
  std::string grid;               // "PxQ[xR]", empty: MPI_Dims_create
  std::string overlap = "on";
  int progress_slabs = 4;
  bool test_bad_step = false;  // test hook (hidden): the last step's update comes out 1 % too large
  std::int64_t norms_every = 10;
  std::int64_t snapshot_every = 0;
  std::int64_t checkpoint_every = 0;
  std::string checkpoint_dir = ".";
  int keep = 2;
  std::string restart;
  int calibration_iters = 0;      // 0: min(50, max(5, steps))

  // Whether the user gave these explicitly (a restart takes them from the checkpoint otherwise).
  bool checkpoint_dir_given = false;
  bool n_given = false, steps_given = false, dims_given = false, alpha_given = false, dt_given = false, init_given = false;
};

void add_options(CLI::App& app, Options& o);
// Records which options were given, applies dims-dependent defaults and checks what can be
// checked without MPI; throws tessera::UsageError with a one-line message.
void finish_options(CLI::App& app, Options& o);

}  // namespace heat_app
