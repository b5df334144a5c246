// apps/heat/progress.hpp: the one-line progress display of rank 0 on a terminal (step, simulated
// time, rate, ETA), redrawn with '\r' at most four times a second. Silent in batch mode.
#pragma once
#include <cstdint>

namespace heat_app {

// Rank 0's stdout leads to a person's terminal. log::stdout_is_terminal() alone is not enough
// under Open MPI: mpirun gives every rank a pseudo-terminal whatever its own stdout is, so when
// the rank was started by a launcher (OMPI_COMM_WORLD_RANK set), the launcher's stdout (the
// parent process's fd 1) must be a terminal too.
bool stdout_reaches_terminal();

class ProgressLine {
 public:
  // enabled: rank 0, stdout a terminal, not --quiet.
  ProgressLine(bool enabled, std::int64_t first_step, std::int64_t last_step, double dt);
  ~ProgressLine() { done(); }
  void update(std::int64_t step);
  // Erases the line (before other output).
  void done();

 private:
  bool enabled_, shown_ = false;
  std::int64_t first_, last_;
  double dt_, t0_, last_draw_ = 0;
};

}  // namespace heat_app
