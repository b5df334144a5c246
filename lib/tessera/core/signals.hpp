// tessera/core/signals.hpp: "please stop soon" signals (SIGTERM, SIGUSR1) turned into a flag that a
// time-stepping loop polls, so a run can finish its step, checkpoint and exit instead of dying.
//
//   tessera::signals::StopHandlers guard;              // installs the handlers (RAII)
//   if (tessera::signals::stop_requested()) ...        // this process saw SIGTERM/SIGUSR1
//
// The handler only stores the signal number in a volatile sig_atomic_t (async-signal-safe). This
// part is local to the process and uses no MPI; the collective decision (every rank stops after the
// same step) is tessera/mpi/stop_vote.hpp.
#pragma once
#include <csignal>
#include <string>
#include <vector>

namespace tessera::signals {

// Installs flag-setting handlers for `sigs` (sigaction, SA_RESTART) and restores the previous
// handlers when destroyed. One set of handlers at a time per process; nesting throws.
class StopHandlers {
 public:
  explicit StopHandlers(std::vector<int> sigs = {SIGTERM, SIGUSR1});
  ~StopHandlers();
  StopHandlers(const StopHandlers&) = delete;
  StopHandlers& operator=(const StopHandlers&) = delete;
  const std::vector<int>& signals() const { return sigs_; }

 private:
  std::vector<int> sigs_;
  std::vector<struct sigaction> previous_;
};

// True once this process received one of the handled signals (local; no communication).
bool stop_requested() noexcept;
// The first such signal received (0 when none).
int stop_signal() noexcept;
// Forgets a received signal (tests; a loop that handled it and carries on).
void clear() noexcept;
// Sets the flag as if `sig` had arrived (tests, and code that wants to stop the same way).
void request_stop(int sig) noexcept;

// "SIGUSR1", "SIGTERM", ... or "signal N".
std::string signal_name(int sig);

}  // namespace tessera::signals
