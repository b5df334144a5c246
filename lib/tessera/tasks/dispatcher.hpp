// tessera/tasks/dispatcher.hpp: hands out the indices [0, m) of a task list to the ranks of a
// communicator, on one node or across many, with no dependence on MPI RMA progress.
//
// Why not one counter in an RMA window (what the farm used before)? Passive-target RMA across
// nodes needs either RDMA atomics (osc/ucx: not on every cluster; Debian's Open MPI disables it and
// osc/pt2pt, so MPI_Win_allocate over TCP fails with MPI_ERR_WIN) or the owner entering MPI for
// progress (osc/pt2pt: a rank busy in a 2-second task answers nobody for 2 seconds). So:
//
//   inside a node   the ranks share a pool: a range [lo, hi) of task indices in a shared-memory
//                   window (MPI_Win_allocate_shared on the node's communicator), guarded by a
//                   process-shared mutex. Taking a chunk is a lock, two loads and a store.
//   across nodes    when a node's pool runs dry, the rank that found it empty refills it with a
//                   batch from the global counter. On the coordinator's node (rank 0's) the global
//                   counter is an atomic in that node's shared memory, so its ranks refill with a
//                   compare-and-swap. Every other node sends a point-to-point request to the
//                   coordinator: a thread of its own on rank 0 (MPI_THREAD_MULTIPLE) that answers
//                   while rank 0's main thread runs tasks. No busy rank ever has to enter MPI for
//                   another to get work.
//
// Batches shrink as the list empties (guided at the node level): a node asks for
// max(ranks_on_node * chunk, ceil(left * ranks_on_node / (4 * ranks))) tasks, so there are about
// 4 * nodes * ln(m / (nodes * chunk)) requests in a whole run, and the last batches are one chunk
// per rank: the finish is as balanced as the rank-level schedule.
//
// The schedules keep their meaning at the rank level: static takes the r-th contiguous block once
// (no pool, no coordinator); dynamic takes `chunk` tasks at a time; guided takes
// max(min_chunk, ceil(left / (k * ranks))) with `left` the tasks not yet taken (this node's pool plus
// what the coordinator had left at the last refill).
//
// Where the MPI library cannot give MPI_THREAD_MULTIPLE there is no thread: rank 0 answers the
// requests between its own tasks (poll()), and once it runs out of work; `threaded()` says which.
//
// Progress counts (tasks done and failed, ranks finished) travel the same way: atomics in node 0's
// shared memory for the ranks there, small messages to the coordinator from the other nodes.
//
// Collective: the constructor and finish(). The destructor is not: if finish() was not called
// (an exception on this rank) it only stops the coordinator thread and leaves the windows to
// MPI_Finalize, so that unwinding one rank never blocks in a collective.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "tessera/mpi/comm.hpp"
#include "tessera/tasks/schedule.hpp"

namespace tessera::tasks {

class Dispatcher {
 public:
  // Collective over `comm`. `threaded`: a coordinator thread when the MPI thread level allows it.
  // `ranks_per_node` > 0 groups consecutive ranks into "nodes" of that size instead of the real
  // shared-memory domains (tests of the across-node path on one machine).
  Dispatcher(const mpi::Comm& comm, std::int64_t m, const ScheduleOptions& schedule, bool threaded,
             int ranks_per_node = 0);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // This rank's next chunk of [0, m); empty when nothing is left. Not collective.
  Range next();
  // Counts finished tasks into the progress counters (sent to the coordinator from other nodes at
  // most every 0.1 s, and by finish()).
  void count_done(std::int64_t done, std::int64_t failed);
  // Rank 0 without a coordinator thread: answers pending requests (call it between tasks).
  void poll();
  // Rank 0: tasks done and failed so far over all ranks, and ranks that have called finish()
  // (after finish(): the final counts).
  std::int64_t done() const;
  std::int64_t failed() const;
  int ranks_finished() const;
  // Tasks handed out of the global counter so far (rank 0: exact; elsewhere meaningless).
  std::int64_t dispatched() const;

  // Collective: this rank takes no more tasks; rank 0 waits until every rank has said so (serving
  // requests meanwhile), then the thread stops and the windows are freed. `on_wait` is called on
  // rank 0 about every 20 ms while it waits (the progress line).
  void finish(const std::function<void()>& on_wait = {});

  bool threaded() const { return thread_.joinable() || threaded_; }
  int nodes() const { return nodes_; }
  std::int64_t takes() const { return takes_; }          // chunks this rank took
  std::int64_t requests() const { return requests_; }    // batches this rank asked the coordinator for
  std::int64_t refills() const { return refills_; }      // batches this rank put into its node's pool
  double request_seconds() const { return request_s_; }  // time this rank waited for replies
  // Rank 0: messages the coordinator served and the time it spent serving them (not polling).
  std::int64_t served() const { return served_.load(); }
  double serve_seconds() const { return serve_ns_.load() * 1e-9; }

  struct Shared;  // the node's shared memory (defined in the .cpp)

 private:
  Range claim_global(std::int64_t node_ranks);      // coordinator node only
  Range request_batch();                             // from another node
  void serve_one(const std::int64_t msg[4], int source);
  void coordinator_loop();
  void send_progress(bool final_message);
  std::int64_t chunk_for(std::int64_t pool_left, std::int64_t global_left) const;

  mpi::Comm comm_, node_, coord_;
  std::int64_t m_ = 0;
  ScheduleOptions sched_;
  int nodes_ = 1;
  bool on_coordinator_node_ = false, threaded_ = false, static_taken_ = false, finished_ = false;
  MPI_Win win_ = MPI_WIN_NULL;
  Shared* shm_ = nullptr;       // this node's pool
  Shared* home_ = nullptr;      // node 0's (global counter, progress); null on other nodes
  std::thread thread_;
  std::atomic<bool> stop_{false};
  MPI_Request pending_ = MPI_REQUEST_NULL;  // rank 0, unthreaded: the posted receive
  std::int64_t inbox_[4] = {0, 0, 0, 0};
  std::int64_t takes_ = 0, requests_ = 0, refills_ = 0;
  double request_s_ = 0;
  std::atomic<std::int64_t> served_{0}, serve_ns_{0};
  std::int64_t unsent_done_ = 0, unsent_failed_ = 0;
  std::int64_t final_done_ = 0, final_failed_ = 0, final_dispatched_ = 0;
  int final_finished_ = 0;
  double last_sent_ = 0;
};

}  // namespace tessera::tasks
