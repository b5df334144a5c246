// tessera/core/signals.hpp: "please stop soon" signals (SIGTERM, SIGUSR1) turned into a flag that a
// time-stepping loop polls, so a run can finish its step, checkpoint and exit instead of dying.
//
//   tessera::signals::StopHandlers guard;              // installs the handlers (RAII)
//   for (...) {
//     step();
//     if (tessera::signals::stop_agreed(comm)) { checkpoint(); return ExitCode::preempted; }
//   }
//
// The handler only stores the signal number in a volatile sig_atomic_t (async-signal-safe). The
// signal may reach one rank only (Slurm's `--signal=B:USR1@60` reaches the batch shell, which
// forwards it; Open MPI's mpirun forwards SIGUSR1/SIGUSR2 to every rank but kills them on
// SIGTERM), so the decision is collective: stop_agreed() is an MPI_Allreduce (logical or) of the
// flag, so that every rank stops after the same step.
#pragma once
#include <csignal>
#include <string>
#include <vector>

namespace tessera::mpi {
class Comm;
}

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

// Collective over `comm`: true on every rank when any rank has seen a stop signal. One
// MPI_Allreduce of an int; cheap enough to call every step.
bool stop_agreed(const mpi::Comm& comm);
// The signal that made stop_agreed() true, agreed too (max over ranks; 0 when none). Collective.
int agreed_signal(const mpi::Comm& comm);

// The same agreement without a per-step synchronisation: each poll() completes the vote posted by
// the previous poll() (an MPI_Iallreduce of the signal number, MPI_MAX, on a private duplicate of
// the communicator) and posts a new one with the current flag. Every rank gets the same answer from
// the same poll, so all stop after the same step, one step after the signal arrived. Collective:
// every rank calls poll() the same number of times (once per step).
//
//   signals::StopVote vote(comm);
//   for (...) { step(); if (vote.poll()) { checkpoint(); exit(ExitCode::preempted); } }
class StopVote {
 public:
  explicit StopVote(const mpi::Comm& comm);
  ~StopVote();  // never blocks (see mpi::drain_or_abandon); call finish() on the normal path
  // Collective: completes the vote in flight.
  void finish();
  StopVote(const StopVote&) = delete;
  StopVote& operator=(const StopVote&) = delete;
  // True when the vote completed now found a stop signal on some rank (then signal() names it).
  bool poll();
  int signal() const { return agreed_; }

 private:
  struct Impl;
  Impl* impl_;
  int agreed_ = 0;
};

// "SIGUSR1", "SIGTERM", ... or "signal N".
std::string signal_name(int sig);

}  // namespace tessera::signals
