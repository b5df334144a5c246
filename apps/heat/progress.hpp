// apps/heat/progress.hpp: the one-line progress display of rank 0 on a terminal (step, simulated
// time, rate, ETA), redrawn with '\r' at most four times a second. Silent in batch mode.
#pragma once
#include <cstdint>

namespace heat {

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

}  // namespace heat
