// tessera/tasks/task_farm.hpp: Pool.map over every rank of a communicator, on one node or many,
// load-balanced.
//
//   tasks::FarmOptions opt;                       // guided schedule, no journal
//   tasks::TaskFarm farm(comm, opt);
//   auto summary = farm.run(n, [](std::int64_t i) { return std::to_string(i); },    // input text
//                              [](std::int64_t i) { tasks::TaskResult r; r.result = f(i); return r; });
//   auto all = farm.gather();                      // every record, sorted by id, on rank 0
//
// Tasks are ids 0..n-1, handed out by a tasks::Dispatcher (dispatcher.hpp): a shared-memory pool
// per node, refilled in shrinking batches from a coordinator thread on rank 0, so that it works
// over any MPI and no busy rank has to enter MPI for another to get work. Rank 0 runs tasks like
// every other rank. See schedule.hpp for static, dynamic and guided chunking. The task function
// runs on the rank's main thread; it may use OpenMP inside.
//
// A task that throws, or returns status failed/timeout, is run again up to `retries` times (after
// `retry_delay` seconds), then recorded with its attempts and last status; the farm goes on. With a
// journal every finished task is appended (and flushed) to PREFIX.rank<N> at once; a run with
// `resume` reads all journal files of the prefix, from any earlier rank count, and runs only the
// tasks that have no record there. The gathered records include the resumed ones.
//
// With a deadline (the end of the allocation) a rank stops taking tasks that would not finish
// before it, less a margin: the expected duration is the longest task seen so far on this rank or
// in the resumed journal. Tasks it holds back are not run and not recorded (a resume runs them);
// running tasks are never cut short, and no retry is spent on a task the deadline holds back: a
// failed attempt whose retry would not fit is journaled as a pending retry, and the resume goes on
// with the next attempt.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tessera/mpi/comm.hpp"
#include "tessera/tasks/schedule.hpp"
#include "tessera/tasks/task_record.hpp"

namespace tessera::tasks {

// Seen by the progress callback (rank 0): counts over the whole farm, this run only.
struct Progress {
  std::int64_t total = 0;       // tasks this run has to do (resumed ones excluded)
  std::int64_t dispatched = 0;  // handed out so far (from the shared counter)
  std::int64_t done = 0;
  std::int64_t failed = 0;      // failed or timed out
  double elapsed = 0;           // seconds
  double rate = 0;              // tasks per second
  double eta = 0;               // seconds left at that rate (0 when unknown)
  bool final = false;           // the last call, every task done
};

struct FarmOptions {
  ScheduleOptions schedule;
  int retries = 0;              // extra runs of a failed or timed-out task
  double retry_delay = 0;       // seconds before each extra run
  double deadline = 0;          // UNIX time after which no task may still run (0: none)
  double deadline_margin = 10;  // seconds kept free before the deadline
  bool threaded_coordinator = true;  // false where MPI_THREAD_MULTIPLE is not provided
  int emulate_ranks_per_node = 0;    // tests: "nodes" of this many consecutive ranks
  std::string journal;          // prefix of the journal files; empty: no journal
  bool journal_fsync = false;   // fsync after every record (slower; survives a node crash too)
  std::string resume_from;      // journal prefix of an earlier run: skip its finished tasks
  bool retry_failed = false;    // when resuming: run again the tasks recorded as failed or timed out
  std::size_t output_limit = 256;  // bytes of a task's output kept in its record
  // Progress counting (done/failed in the shared window). Must be the same on every rank.
  bool track_progress = false;
  double progress_interval = 0.5;                    // seconds between callbacks
  std::function<void(const Progress&)> on_progress;  // called on rank 0 only
};

struct FarmSummary {
  std::int64_t total = 0;       // tasks in the list
  std::int64_t resumed = 0;     // taken from the journal, not run again
  std::int64_t run = 0;         // run by this run, all ranks
  std::int64_t failed = 0;      // status failed, this run and resumed
  std::int64_t timed_out = 0;   // status timeout, this run and resumed
  double wall = 0;              // seconds: from the common start to the last rank running out of tasks
  double task_time = 0;         // sum of the durations of the tasks run, all ranks
  double efficiency = 0;        // task_time / (ranks * wall): 1 is a perfect balance
  double tasks_per_second = 0;  // run / wall
  double dispatch_overhead = 0; // seconds per task spent in the loop outside task bodies (mean)
  std::int64_t counter_ops = 0; // chunks taken from the node pools, all ranks
  std::int64_t requests = 0;    // batches asked of the coordinator from other nodes, all ranks
  std::int64_t refills = 0;     // batches put into node pools, all ranks
  double request_latency = 0;   // seconds: mean wait of a request to the coordinator (round trip)
  std::int64_t served = 0;      // messages the coordinator served (requests and progress)
  double service_time = 0;      // seconds: mean time the coordinator spent on one message
  int nodes = 1;                // nodes (shared-memory domains) of the communicator
  bool threaded = true;         // the coordinator ran in a thread of its own
  std::int64_t held_back = 0;   // tasks not run because of the deadline (0 without one)
  std::int64_t retried = 0;     // extra attempts made, all ranks, this run
  double max_task_seconds = 0;  // longest task of this run
  std::vector<double> busy;     // per rank: own task time / wall
  std::vector<std::int64_t> tasks_per_rank;
  std::int64_t unfinished() const { return total - resumed - run; }  // 0 after a complete run
  bool stopped_by_deadline() const { return held_back > 0; }
};

// What a task function may know of the run that calls it.
struct TaskContext {
  std::int64_t id = 0;
  int attempt = 1;  // 1 for the first run, 2 for the first retry, ...
};

// The current UNIX time in seconds (the clock deadlines are given in).
double unix_now();

class TaskFarm {
 public:
  using InputFn = std::function<std::string(std::int64_t id)>;
  using TaskFn = std::function<TaskResult(std::int64_t id)>;
  using ContextTaskFn = std::function<TaskResult(const TaskContext&)>;

  TaskFarm(const mpi::Comm& comm, FarmOptions options);

  // Collective. Runs every id in [0, n) that the resumed journal does not hold, exactly once over
  // all ranks. input(id) is stored with the record (and checked against the journal on resume:
  // a different task list is a UsageError). Throws only for infrastructure failures (journal I/O,
  // MPI); task failures are records.
  FarmSummary run(std::int64_t n, const InputFn& input, const TaskFn& fn);
  FarmSummary run(std::int64_t n, const InputFn& input, const ContextTaskFn& fn);

  // Records of the tasks this rank ran in the last run(), in the order it ran them.
  const std::vector<TaskRecord>& local_records() const { return local_; }
  // Records taken from the journal (rank 0 only; empty elsewhere), sorted by id.
  const std::vector<TaskRecord>& resumed_records() const { return resumed_; }
  // Collective: the resumed records and every rank's records of the last run, sorted by id,
  // on rank 0; an empty vector on the other ranks.
  std::vector<TaskRecord> gather() const;

  const mpi::Comm& comm() const { return comm_; }
  const FarmOptions& options() const { return opt_; }

 private:
  // Reads the journal on rank 0, checks it against the task list, broadcasts the finished ids.
  std::vector<std::int64_t> load_finished(std::int64_t n, const InputFn& input);
  void prepare_journal();

  mpi::Comm comm_;
  FarmOptions opt_;
  std::string host_;
  double journal_max_duration_ = 0;
  std::vector<std::pair<std::int64_t, int>> pending_attempts_;  // rank 0: from the journal
  std::unordered_map<std::int64_t, int> prior_attempts_;        // every rank: id -> attempts made
  std::vector<TaskRecord> local_, resumed_;
};

}  // namespace tessera::tasks
