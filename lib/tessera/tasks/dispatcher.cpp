#include "tessera/tasks/dispatcher.hpp"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>

#include "tessera/core/error.hpp"
#include "tessera/core/timer.hpp"

namespace tessera::tasks {

namespace {
// Messages to the coordinator: int64[4] = {kind, a, b, c}.
constexpr int tag_to_coordinator = 7101, tag_reply = 7102;
constexpr std::int64_t msg_request = 1;   // a = ranks on the asking node; reply {first, last, left, 0}
constexpr std::int64_t msg_progress = 2;  // a = tasks done, b = failed, c = 1 when that rank finished

// How finely a node's batch is cut: a node takes 1/(node_factor) of its share of what is left.
constexpr std::int64_t node_factor = 4;
// Between two progress messages from a rank on another node.
constexpr double progress_interval_s = 0.1;

void nap(double seconds) {
  timespec ts{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9)};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Lock guard for the pool's process-shared mutex.
class PoolLock {
 public:
  explicit PoolLock(pthread_mutex_t* m) : m_(m) {
    const int rc = pthread_mutex_lock(m_);
    if (rc != 0) throw Error("task pool: pthread_mutex_lock failed (" + std::to_string(rc) + ")");
  }
  ~PoolLock() { pthread_mutex_unlock(m_); }
  PoolLock(const PoolLock&) = delete;
  PoolLock& operator=(const PoolLock&) = delete;

 private:
  pthread_mutex_t* m_;
};
}  // namespace

// One per node, in a shared-memory window held by the node's first rank. The atomics are
// lock-free 64-bit words, which is what makes them usable between processes.
struct Dispatcher::Shared {
  pthread_mutex_t mutex;
  std::int64_t lo = 0, hi = 0;       // the node's batch not yet taken
  std::int64_t global_left = 0;      // tasks the coordinator had left at the last refill
  int exhausted = 0;                 // the coordinator said: nothing left
  // coordinator node only
  std::atomic<std::int64_t> global_next{0};
  std::atomic<std::int64_t> done{0}, failed{0};
  std::atomic<int> finished_ranks{0};
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "64-bit atomics must be lock-free to be shared");

Dispatcher::Dispatcher(const mpi::Comm& comm, std::int64_t m, const ScheduleOptions& schedule, bool threaded,
                       int ranks_per_node)
    : comm_(comm), m_(m), sched_(schedule) {
  if (m < 0) throw UsageError("task list of negative length");
  node_ = ranks_per_node > 0 ? comm_.split(comm_.rank() / ranks_per_node, comm_.rank()) : comm_.split_shared();
  coord_ = comm_.dup();
  on_coordinator_node_ = node_.allreduce<int>(comm_.rank() == 0 ? 1 : 0, MPI_MAX) == 1;
  nodes_ = comm_.sum(node_.rank() == 0 ? 1 : 0);

  const MPI_Aint bytes = node_.rank() == 0 ? static_cast<MPI_Aint>(sizeof(Shared)) : 0;
  void* base = nullptr;
  TESSERA_MPI_CHECK(MPI_Win_allocate_shared(bytes, 1, MPI_INFO_NULL, node_.get(), &base, &win_));
  MPI_Aint size = 0;
  int disp = 0;
  TESSERA_MPI_CHECK(MPI_Win_shared_query(win_, 0, &size, &disp, &base));
  if (node_.rank() == 0) {
    auto* s = new (base) Shared();
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    const int rc = pthread_mutex_init(&s->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) throw Error("task pool: pthread_mutex_init failed (" + std::to_string(rc) + ")");
  }
  node_.barrier();  // the pool exists before anyone takes from it
  shm_ = static_cast<Shared*>(base);
  if (on_coordinator_node_) home_ = shm_;

  // A thread on rank 0 answers the other nodes. With one node nobody ever asks; no thread then.
  threaded_ = threaded;
  if (comm_.rank() == 0 && threaded && nodes_ > 1) thread_ = std::thread([this] { coordinator_loop(); });
  comm_.barrier();
  last_sent_ = wtime();
}

Dispatcher::~Dispatcher() {
  // Not collective: stop the thread (it cancels its own receive); leave the window to MPI_Finalize.
  if (thread_.joinable()) {
    stop_ = true;
    thread_.join();
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && pending_ != MPI_REQUEST_NULL) {
    MPI_Cancel(&pending_);
    MPI_Request_free(&pending_);
  }
}

std::int64_t Dispatcher::chunk_for(std::int64_t pool_left, std::int64_t global_left) const {
  if (sched_.kind == Schedule::dynamic) return std::min(std::max<std::int64_t>(1, sched_.chunk), pool_left);
  const std::int64_t c = guided_chunk(pool_left + global_left, comm_.size(), sched_.guided_k, sched_.min_chunk);
  // never leave a remnant smaller than the smallest chunk behind in the pool
  if (pool_left - c < std::max<std::int64_t>(1, sched_.min_chunk)) return pool_left;
  return std::max<std::int64_t>(1, c);
}

Range Dispatcher::claim_global(std::int64_t node_ranks) {
  auto& next = home_->global_next;
  const std::int64_t unit =
      std::max<std::int64_t>(1, sched_.kind == Schedule::dynamic ? sched_.chunk : sched_.min_chunk);
  const double per = static_cast<double>(node_ranks) / static_cast<double>(node_factor * comm_.size());
  std::int64_t cur = next.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t left = m_ - cur;
    if (left <= 0) return {m_, m_};
    const auto share = static_cast<std::int64_t>(static_cast<double>(left) * per + 0.999999);
    // whole chunks, so that a pool never ends in a piece smaller than a chunk (but at the very end)
    std::int64_t size = std::max(unit * node_ranks, (share + unit - 1) / unit * unit);
    if (left - size < unit) size = left;
    size = std::min(left, size);
    if (next.compare_exchange_weak(cur, cur + size, std::memory_order_acq_rel)) return {cur, cur + size};
  }
}

Range Dispatcher::request_batch() {
  std::int64_t msg[4] = {msg_request, node_.size(), 0, 0}, reply[4] = {0, 0, 0, 0};
  const double t0 = wtime();
  TESSERA_MPI_CHECK(MPI_Send(msg, 4, MPI_INT64_T, 0, tag_to_coordinator, coord_.get()));
  TESSERA_MPI_CHECK(MPI_Recv(reply, 4, MPI_INT64_T, 0, tag_reply, coord_.get(), MPI_STATUS_IGNORE));
  request_s_ += wtime() - t0;
  ++requests_;
  shm_->global_left = reply[2];
  return {reply[0], reply[1]};
}

Range Dispatcher::next() {
  if (sched_.kind == Schedule::static_blocks) {
    if (static_taken_) return {};
    static_taken_ = true;
    return static_block(m_, comm_.rank(), comm_.size());
  }
  PoolLock lock(&shm_->mutex);
  for (;;) {
    if (shm_->lo < shm_->hi) {
      const std::int64_t c = chunk_for(shm_->hi - shm_->lo, shm_->global_left);
      const Range r{shm_->lo, shm_->lo + c};
      shm_->lo += c;
      ++takes_;
      return r;
    }
    if (shm_->exhausted) return {};
    // The pool is dry: refill it for the whole node while the others wait on the lock.
    Range b;
    if (on_coordinator_node_) {
      b = claim_global(node_.size());
      shm_->global_left = m_ - home_->global_next.load(std::memory_order_relaxed);
    } else {
      b = request_batch();
    }
    ++refills_;
    if (b.empty()) {
      shm_->exhausted = 1;
    } else {
      shm_->lo = b.first;
      shm_->hi = b.last;
    }
  }
}

void Dispatcher::serve_one(const std::int64_t msg[4], int source) {
  const double t0 = wtime();
  struct Account {  // the service time of this message, however it ends
    Dispatcher* d;
    double t0;
    ~Account() {
      d->served_.fetch_add(1, std::memory_order_relaxed);
      d->serve_ns_.fetch_add(static_cast<std::int64_t>((wtime() - t0) * 1e9), std::memory_order_relaxed);
    }
  } account{this, t0};
  if (msg[0] == msg_request) {
    const Range b = claim_global(std::max<std::int64_t>(1, msg[1]));
    const std::int64_t reply[4] = {b.first, b.last, m_ - home_->global_next.load(std::memory_order_relaxed), 0};
    TESSERA_MPI_CHECK(MPI_Send(reply, 4, MPI_INT64_T, source, tag_reply, coord_.get()));
  } else if (msg[0] == msg_progress) {
    home_->done.fetch_add(msg[1], std::memory_order_relaxed);
    home_->failed.fetch_add(msg[2], std::memory_order_relaxed);
    if (msg[3] != 0) home_->finished_ranks.fetch_add(1, std::memory_order_acq_rel);
  } else {
    throw Error("task farm coordinator: unknown message kind " + std::to_string(msg[0]) + " from rank " +
                std::to_string(source));
  }
}

void Dispatcher::coordinator_loop() {
  try {
    std::int64_t msg[4] = {0, 0, 0, 0};
    MPI_Request req = MPI_REQUEST_NULL;
    TESSERA_MPI_CHECK(MPI_Irecv(msg, 4, MPI_INT64_T, MPI_ANY_SOURCE, tag_to_coordinator, coord_.get(), &req));
    // Poll, sleeping from 2 us up to a cap that grows with the time since the last message:
    // 200 us while messages come (answers within a fraction of a network round trip), 1 ms after
    // 50 ms of quiet, 5 ms after a second. Each poll costs rank 0 some 20 us of CPU (an MPI_Test
    // that runs the TCP event loop), so this keeps an idle coordinator under 1 % of rank 0's core;
    // a blocking receive would spin on it all the time.
    double backoff = 2e-6, last_message = wtime();
    while (!stop_.load(std::memory_order_acquire)) {
      int flag = 0;
      MPI_Status st;
      TESSERA_MPI_CHECK(MPI_Test(&req, &flag, &st));
      if (flag) {
        serve_one(msg, st.MPI_SOURCE);
        TESSERA_MPI_CHECK(MPI_Irecv(msg, 4, MPI_INT64_T, MPI_ANY_SOURCE, tag_to_coordinator, coord_.get(), &req));
        backoff = 2e-6;
        last_message = wtime();
        continue;
      }
      nap(backoff);
      const double quiet = wtime() - last_message;
      const double cap = quiet < 0.05 ? 200e-6 : quiet < 1.0 ? 1e-3 : 5e-3;
      backoff = std::min(backoff * 2, cap);
    }
    MPI_Cancel(&req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: task farm coordinator (rank 0): %s\n", e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
}

void Dispatcher::poll() {
  if (comm_.rank() != 0 || thread_.joinable() || nodes_ == 1) return;
  for (;;) {
    if (pending_ == MPI_REQUEST_NULL)
      TESSERA_MPI_CHECK(MPI_Irecv(inbox_, 4, MPI_INT64_T, MPI_ANY_SOURCE, tag_to_coordinator, coord_.get(), &pending_));
    int flag = 0;
    MPI_Status st;
    TESSERA_MPI_CHECK(MPI_Test(&pending_, &flag, &st));
    if (!flag) return;
    serve_one(inbox_, st.MPI_SOURCE);  // pending_ is MPI_REQUEST_NULL again
  }
}

void Dispatcher::send_progress(bool final_message) {
  if (home_ != nullptr) {
    home_->done.fetch_add(unsent_done_, std::memory_order_relaxed);
    home_->failed.fetch_add(unsent_failed_, std::memory_order_relaxed);
    if (final_message) home_->finished_ranks.fetch_add(1, std::memory_order_acq_rel);
  } else {
    const std::int64_t msg[4] = {msg_progress, unsent_done_, unsent_failed_, final_message ? 1 : 0};
    TESSERA_MPI_CHECK(MPI_Send(msg, 4, MPI_INT64_T, 0, tag_to_coordinator, coord_.get()));
  }
  unsent_done_ = unsent_failed_ = 0;
  last_sent_ = wtime();
}

void Dispatcher::count_done(std::int64_t done, std::int64_t failed) {
  unsent_done_ += done;
  unsent_failed_ += failed;
  if (home_ != nullptr) {
    send_progress(false);  // an atomic add: no reason to wait
  } else if (wtime() - last_sent_ >= progress_interval_s) {
    send_progress(false);
  }
}

std::int64_t Dispatcher::done() const { return home_ ? home_->done.load(std::memory_order_relaxed) : final_done_; }
std::int64_t Dispatcher::failed() const {
  return home_ ? home_->failed.load(std::memory_order_relaxed) : final_failed_;
}
int Dispatcher::ranks_finished() const {
  return home_ ? home_->finished_ranks.load(std::memory_order_acquire) : final_finished_;
}
std::int64_t Dispatcher::dispatched() const {
  return home_ ? std::min(m_, home_->global_next.load(std::memory_order_relaxed)) : final_dispatched_;
}

void Dispatcher::finish(const std::function<void()>& on_wait) {
  if (finished_) return;
  finished_ = true;
  send_progress(true);
  if (comm_.rank() == 0) {
    // Everyone has said they are done (so no request or progress message is still on its way),
    // then the thread may go.
    double last_call = wtime();
    while (ranks_finished() < comm_.size()) {
      poll();
      nap(thread_.joinable() ? 2e-3 : 2e-4);
      if (on_wait && wtime() - last_call >= 0.02) {
        on_wait();
        last_call = wtime();
      }
    }
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
    }
    if (pending_ != MPI_REQUEST_NULL) {  // unthreaded: the receive posted for the next message
      MPI_Cancel(&pending_);
      MPI_Wait(&pending_, MPI_STATUS_IGNORE);
    }
  }
  if (home_ != nullptr) {
    final_done_ = done();
    final_failed_ = failed();
    final_finished_ = ranks_finished();
    final_dispatched_ = dispatched();
  }
  comm_.barrier();
  if (node_.rank() == 0 && shm_ != nullptr) pthread_mutex_destroy(&shm_->mutex);
  TESSERA_MPI_CHECK(MPI_Win_free(&win_));
  shm_ = home_ = nullptr;
}

}  // namespace tessera::tasks
