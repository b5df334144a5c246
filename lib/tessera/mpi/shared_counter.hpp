// tessera/mpi/shared_counter.hpp: a few 64-bit counters that every rank can update atomically, held
// by one "home" rank in an MPI-3 RMA window (MPI_Win_allocate, passive target, MPI_Win_lock_all for
// the counter's whole life). Each operation is one MPI_Fetch_and_op / MPI_Compare_and_swap /
// MPI_Accumulate followed by MPI_Win_flush: no rank is set aside to serve requests, the home rank
// can work like the others.
//
// When all ranks share a node the window is MPI_Win_allocate_shared (Open MPI: osc/sm), and an
// operation is a CPU atomic. Across nodes it is MPI_Win_allocate, served by RDMA atomics (osc/ucx,
// osc/rdma); only the pt2pt fallback needs the home rank to enter MPI for progress.
#pragma once
#include <cstdint>
#include <vector>

#include "tessera/mpi/comm.hpp"

namespace tessera::mpi {

class SharedCounter {
 public:
  // Collective over `comm`: `count` counters, all zero, held by rank `home`.
  SharedCounter(const Comm& comm, int count = 1, int home = 0);
  // Not collective: if free() was not called (an exception on this rank), the window is only
  // unlocked and left to MPI_Finalize, so that unwinding one rank never blocks in MPI_Win_free.
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  // Atomically adds `delta` to counter `index`; returns the value before the addition.
  std::int64_t fetch_add(std::int64_t delta, int index = 0);
  // The current value (an atomic read).
  std::int64_t load(int index = 0);
  // Atomically sets counter `index` to `desired` if it equals `expected`; returns the value it had.
  std::int64_t compare_swap(std::int64_t expected, std::int64_t desired, int index = 0);
  // Adds `delta` later: deferred adds are sent (MPI_Accumulate) with this rank's next operation
  // or flush(), so counting many small events costs one message per flush, not one per event.
  void add_deferred(std::int64_t delta, int index = 0);
  // Sends the deferred adds and waits until they are applied.
  void flush();

  int count() const { return count_; }
  int home() const { return home_; }
  // Collective: unlocks and frees the window. Called by the destructor if not before.
  void free();

 private:
  void check_index(int index) const;
  void send_deferred();
  Comm comm_;
  MPI_Win win_ = MPI_WIN_NULL;
  std::int64_t* base_ = nullptr;
  int count_ = 0, home_ = 0;
  std::vector<std::int64_t> deferred_, in_flight_;
  bool any_deferred_ = false;
};

}  // namespace tessera::mpi
