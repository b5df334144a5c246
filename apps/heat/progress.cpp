#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tessera/core/log.hpp"

#include "tessera/core/timer.hpp"

namespace heat_app {

bool stdout_reaches_terminal() { return tessera::log::progress_reaches_terminal(); }

ProgressLine::ProgressLine(bool enabled, std::int64_t first_step, std::int64_t last_step, double dt)
    : enabled_(enabled), first_(first_step), last_(last_step), dt_(dt), t0_(tessera::wtime()) {}

void ProgressLine::update(std::int64_t step) {
  if (!enabled_) return;
  const double now = tessera::wtime();
  if (now - last_draw_ < 0.25 && step != last_) return;
  last_draw_ = now;
  const double elapsed = now - t0_;
  const double rate = elapsed > 0 ? static_cast<double>(step - first_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(last_ - step) / rate : 0;
  std::printf("\rstep %lld/%lld  t = %.4e  %.1f steps/s  ETA %.1f s   ", static_cast<long long>(step),
              static_cast<long long>(last_), static_cast<double>(step) * dt_, rate, eta);
  std::fflush(stdout);
  shown_ = true;
}

void ProgressLine::done() {
  if (!shown_) return;
  std::printf("\r%70s\r", "");
  std::fflush(stdout);
  shown_ = false;
}

}  // namespace heat_app
