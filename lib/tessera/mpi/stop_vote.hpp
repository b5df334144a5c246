// tessera/mpi/stop_vote.hpp: the collective half of "please stop soon" (tessera/core/signals.hpp
// holds the local flag). A signal may reach one rank only (Slurm's `--signal=B:USR1@60` reaches the
// batch shell, which forwards it; Open MPI's mpirun forwards SIGUSR1/SIGUSR2 to every rank but kills
// them on SIGTERM), so the decision to stop is agreed over a communicator, and every rank stops
// after the same step:
//
//   tessera::signals::StopHandlers guard;
//   for (...) {
//     step();
//     if (tessera::signals::stop_agreed(comm)) { checkpoint(); return ExitCode::preempted; }
//   }
#pragma once
#include "tessera/core/signals.hpp"
#include "tessera/mpi/comm.hpp"

namespace tessera::signals {

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

}  // namespace tessera::signals
