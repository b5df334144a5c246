#include "tessera/mpi/shared_counter.hpp"

#include <string>

namespace tessera::mpi {

SharedCounter::SharedCounter(const Comm& comm, int count, int home)
    : comm_(comm), count_(count), home_(home), deferred_(static_cast<size_t>(count), 0),
      in_flight_(static_cast<size_t>(count), 0) {
  if (count < 1) throw Error("SharedCounter needs at least one counter");
  if (home < 0 || home >= comm.size()) throw Error("SharedCounter home rank " + std::to_string(home) + " out of range");
  const MPI_Aint bytes = comm.rank() == home ? static_cast<MPI_Aint>(count) * MPI_Aint(sizeof(std::int64_t)) : 0;
  MPI_Info info;
  TESSERA_MPI_CHECK(MPI_Info_create(&info));
  MPI_Info_set(info, "same_disp_unit", "true");
  // The default accumulate_ops ("same_op_no_op") holds: a counter is only ever updated with one
  // operation (MPI_SUM, or compare-and-swap) plus MPI_NO_OP reads.
  // All ranks on one node: a shared-memory window, so that Open MPI takes osc/sm (CPU atomics) and
  // never its RDMA component over the shared-memory transport (which crashes in Open MPI 4.1 when
  // single-copy is unavailable, e.g. in containers). Across nodes: MPI_Win_allocate (osc/ucx, rdma).
  const bool one_node = comm.all(comm.split_shared().size() == comm.size());
  const int rc = one_node
                     ? MPI_Win_allocate_shared(bytes, sizeof(std::int64_t), info, comm.get(), &base_, &win_)
                     : MPI_Win_allocate(bytes, sizeof(std::int64_t), info, comm.get(), &base_, &win_);
  MPI_Info_free(&info);
  TESSERA_MPI_CHECK(rc);
  MPI_Win_set_errhandler(win_, MPI_ERRORS_RETURN);
  if (comm.rank() == home)
    for (int i = 0; i < count; ++i) base_[i] = 0;
  TESSERA_MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_));
  // Everyone sees the zeros before the first atomic operation.
  if (comm.rank() == home) TESSERA_MPI_CHECK(MPI_Win_sync(win_));
  comm_.barrier();
}

SharedCounter::~SharedCounter() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && win_ != MPI_WIN_NULL) MPI_Win_unlock_all(win_);
}

void SharedCounter::free() {
  if (win_ == MPI_WIN_NULL) return;
  flush();
  TESSERA_MPI_CHECK(MPI_Win_unlock_all(win_));
  TESSERA_MPI_CHECK(MPI_Win_free(&win_));
  win_ = MPI_WIN_NULL;
  base_ = nullptr;
}

void SharedCounter::check_index(int index) const {
  if (win_ == MPI_WIN_NULL) throw Error("SharedCounter used after free()");
  if (index < 0 || index >= count_) throw Error("SharedCounter: no counter " + std::to_string(index));
}

void SharedCounter::send_deferred() {
  if (!any_deferred_) return;
  for (int i = 0; i < count_; ++i) {
    const auto k = static_cast<size_t>(i);
    if (deferred_[k] == 0) continue;
    // in_flight_ stays untouched until the flush that follows completes the accumulate
    in_flight_[k] = deferred_[k];
    deferred_[k] = 0;
    TESSERA_MPI_CHECK(MPI_Accumulate(&in_flight_[k], 1, MPI_INT64_T, home_, i, 1, MPI_INT64_T, MPI_SUM, win_));
  }
  any_deferred_ = false;
}

std::int64_t SharedCounter::fetch_add(std::int64_t delta, int index) {
  check_index(index);
  send_deferred();
  std::int64_t old = 0;
  TESSERA_MPI_CHECK(MPI_Fetch_and_op(&delta, &old, MPI_INT64_T, home_, index, MPI_SUM, win_));
  TESSERA_MPI_CHECK(MPI_Win_flush(home_, win_));
  return old;
}

std::int64_t SharedCounter::load(int index) {
  check_index(index);
  send_deferred();
  std::int64_t value = 0, unused = 0;
  TESSERA_MPI_CHECK(MPI_Fetch_and_op(&unused, &value, MPI_INT64_T, home_, index, MPI_NO_OP, win_));
  TESSERA_MPI_CHECK(MPI_Win_flush(home_, win_));
  return value;
}

std::int64_t SharedCounter::compare_swap(std::int64_t expected, std::int64_t desired, int index) {
  check_index(index);
  send_deferred();
  std::int64_t old = 0;
  TESSERA_MPI_CHECK(MPI_Compare_and_swap(&desired, &expected, &old, MPI_INT64_T, home_, index, win_));
  TESSERA_MPI_CHECK(MPI_Win_flush(home_, win_));
  return old;
}

void SharedCounter::add_deferred(std::int64_t delta, int index) {
  check_index(index);
  deferred_[static_cast<size_t>(index)] += delta;
  any_deferred_ = any_deferred_ || delta != 0;
}

void SharedCounter::flush() {
  if (win_ == MPI_WIN_NULL) return;
  send_deferred();
  TESSERA_MPI_CHECK(MPI_Win_flush(home_, win_));
}

}  // namespace tessera::mpi
