// tessera/core/timer.hpp: wall-clock timing (steady clock) and accumulating phase timers.
#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

namespace tessera {

// Seconds since an arbitrary fixed point, monotonic.
inline double wtime() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

class Timer {
 public:
  Timer() : t0_(wtime()) {}
  void reset() { t0_ = wtime(); }
  double elapsed() const { return wtime() - t0_; }

 private:
  double t0_;
};

// Accumulates the time spent in one phase over many start()/stop() pairs.
class PhaseTimer {
 public:
  void start() { t0_ = wtime(); }
  double stop() {
    const double dt = wtime() - t0_;
    total_ += dt;
    ++count_;
    return dt;
  }
  double total() const { return total_; }
  long count() const { return count_; }
  void clear() { total_ = 0; count_ = 0; }

 private:
  double t0_ = 0, total_ = 0;
  long count_ = 0;
};

// Median of timings (the mean of the two middle values for an even count; 0 for none). Medians of
// repeated runs are what Tessera reports: robust to the odd slow repetition on a shared machine.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

}  // namespace tessera
