// TaskFarm under MPI at 1, 2 and 4 ranks: every task runs exactly once under each schedule, failed
// and timed-out tasks are recorded and the farm goes on, a resume after a simulated kill runs only
// the unfinished tasks (whatever rank count wrote the journal), and the gathered results are the
// same whatever the number of ranks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tessera/core/error.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/tasks/dispatcher.hpp"
#include "tessera/tasks/journal.hpp"
#include "tessera/tasks/record_table.hpp"
#include "tessera/tasks/shell_command.hpp"
#include "tessera/tasks/task_farm.hpp"
#define TESSERA_SCRATCH_WITH_MPI
#include "scratch.hpp"

using namespace tessera;
using namespace tessera::tasks;

namespace {
std::string scratch(const std::string& name) { return tessera::testing::mpi_scratch(name); }

std::string input_of(std::int64_t id) { return "task " + std::to_string(id); }

// A task whose result is a fixed function of its id, with costs that vary a lot.
TaskResult uneven_task(std::int64_t id) {
  volatile double x = 0;
  const int spins = id % 7 == 0 ? 20000 : 10;
  for (int i = 0; i < spins; ++i) x = x + 1.0 / (1.0 + i);
  TaskResult r;
  r.result = id * id + 1;
  r.output = "out " + std::to_string(id);
  return r;
}

// Checks on rank 0 that `all` holds ids 0..n-1 once each, in order; true elsewhere.
bool complete_and_ordered(const mpi::Comm& w, const std::vector<TaskRecord>& all, std::int64_t n) {
  if (!w.is_root()) return true;
  if (static_cast<std::int64_t>(all.size()) != n) return false;
  for (std::int64_t i = 0; i < n; ++i)
    if (all[static_cast<std::size_t>(i)].id != i) return false;
  return true;
}

struct ScheduleCase {
  Schedule kind;
  std::int64_t chunk, min_chunk;
};
}  // namespace

// The dispatcher hands out every index of [0, m) exactly once, under each schedule, with real
// nodes (one here) and with "nodes" of 1 and 2 ranks, so that at 2 and 4 ranks the across-node path
// (a coordinator answering point-to-point requests) runs, with its thread and without.
TEST(Dispatcher, HandsOutEveryIndexOnceOnOneNodeAndAcrossNodes) {
  const mpi::Comm w = mpi::Comm::world();
  const std::int64_t m = 1000;
  for (int per_node : {0, 1, 2}) {
    for (bool threaded : {true, false}) {
      for (const ScheduleCase sc : {ScheduleCase{Schedule::static_blocks, 1, 1}, ScheduleCase{Schedule::dynamic, 3, 1},
                                    ScheduleCase{Schedule::guided, 1, 2}}) {
        SCOPED_TRACE(std::string(to_string(sc.kind)) + " ranks/node " + std::to_string(per_node) +
                     (threaded ? " threaded" : " unthreaded"));
        ScheduleOptions so;
        so.kind = sc.kind;
        so.chunk = sc.chunk;
        so.min_chunk = sc.min_chunk;
        Dispatcher d(w, m, so, threaded, per_node);
        std::vector<int> hits(static_cast<std::size_t>(m), 0);
        std::int64_t mine = 0, biggest = 0;
        bool in_range = true;  // no ASSERT in the loop: a rank leaving early would hang the others in finish()
        for (Range r = d.next(); !r.empty(); r = d.next()) {
          EXPECT_GE(r.first, 0);
          EXPECT_LE(r.last, m);
          if (r.first < 0 || r.last > m) {
            in_range = false;
            d.count_done(r.size(), 0);
            if (!threaded) d.poll();
            continue;
          }
          if (sc.kind == Schedule::dynamic) {
            EXPECT_LE(r.size(), sc.chunk);
          }
          if (sc.kind == Schedule::guided) {
            EXPECT_GE(r.size(), std::min<std::int64_t>(sc.min_chunk, m - r.first));
          }
          biggest = std::max(biggest, r.size());
          for (std::int64_t i = r.first; i < r.last; ++i) ++hits[static_cast<std::size_t>(i)];
          mine += r.size();
          d.count_done(r.size(), 0);
          if (!threaded) d.poll();
        }
        d.finish();
        std::vector<int> total(hits.size());
        MPI_Allreduce(hits.data(), total.data(), static_cast<int>(m), MPI_INT, MPI_SUM, w.get());
        ASSERT_TRUE(w.all(in_range));  // the same on every rank: all stop here together
        // `total` is the same on every rank, so this ASSERT stops every rank alike
        for (std::int64_t i = 0; i < m; ++i) ASSERT_EQ(total[static_cast<std::size_t>(i)], 1) << "index " << i;
        EXPECT_EQ(w.sum(mine), m);
        const int expect_nodes = per_node == 0 ? 1 : (w.size() + per_node - 1) / per_node;
        EXPECT_EQ(d.nodes(), expect_nodes);
        // other nodes asked the coordinator; the coordinator's node never does
        const std::int64_t asked = w.sum(d.requests());
        if (sc.kind != Schedule::static_blocks && expect_nodes > 1) {
          EXPECT_GT(asked, 0);
        }
        if (expect_nodes == 1 || sc.kind == Schedule::static_blocks) {
          EXPECT_EQ(asked, 0);
        }
        // guided: big chunks first, not all of size 1
        if (sc.kind == Schedule::guided && w.size() <= 4) {
          EXPECT_GT(w.max(biggest), 1);
        }
      }
    }
  }
}

// Progress counts from every rank (atomics on the coordinator's node, messages from the others)
// add up on rank 0 before finish() returns.
TEST(Dispatcher, ProgressCountsReachRankZero) {
  const mpi::Comm w = mpi::Comm::world();
  ScheduleOptions so;
  so.kind = Schedule::dynamic;
  Dispatcher d(w, 10 * w.size(), so, true, 1);
  std::int64_t n = 0, bad = 0;
  for (Range r = d.next(); !r.empty(); r = d.next()) {
    n += r.size();
    bad += r.first % 3 == 0;
    d.count_done(r.size(), r.first % 3 == 0 ? 1 : 0);
  }
  const std::int64_t want = w.sum(n), want_bad = w.sum(bad);
  EXPECT_EQ(want, 10 * w.size());
  d.finish();
  if (w.is_root()) {
    EXPECT_EQ(d.done(), want);
    EXPECT_EQ(d.failed(), want_bad);
    EXPECT_EQ(d.ranks_finished(), w.size());
  }
}

TEST(TaskFarm, EveryTaskRunsExactlyOnceUnderEachSchedule) {
  const mpi::Comm w = mpi::Comm::world();
  const std::int64_t n = 257;
  for (const ScheduleCase sc : {ScheduleCase{Schedule::static_blocks, 1, 1}, ScheduleCase{Schedule::dynamic, 1, 1},
                                ScheduleCase{Schedule::dynamic, 5, 1}, ScheduleCase{Schedule::guided, 1, 1},
                                ScheduleCase{Schedule::guided, 1, 4}}) {
    SCOPED_TRACE(to_string(sc.kind) + std::string(" chunk ") + std::to_string(sc.chunk) + " min " +
                 std::to_string(sc.min_chunk));
    FarmOptions opt;
    opt.schedule.kind = sc.kind;
    opt.schedule.chunk = sc.chunk;
    opt.schedule.min_chunk = sc.min_chunk;
    TaskFarm farm(w, opt);
    std::vector<int> calls(static_cast<std::size_t>(n), 0);
    const auto s = farm.run(n, input_of, [&](std::int64_t id) {
      ++calls[static_cast<std::size_t>(id)];
      return uneven_task(id);
    });
    // the function ran once per id over all ranks
    std::vector<int> total(calls.size());
    MPI_Allreduce(calls.data(), total.data(), static_cast<int>(n), MPI_INT, MPI_SUM, w.get());
    for (std::int64_t i = 0; i < n; ++i) EXPECT_EQ(total[static_cast<std::size_t>(i)], 1) << "task " << i;
    EXPECT_EQ(s.total, n);
    EXPECT_EQ(s.run, n);
    EXPECT_EQ(s.resumed, 0);
    EXPECT_EQ(s.failed, 0);
    EXPECT_EQ(s.unfinished(), 0);
    std::int64_t per_rank = 0;
    for (auto t : s.tasks_per_rank) per_rank += t;
    EXPECT_EQ(per_rank, n);
    EXPECT_EQ(static_cast<int>(s.busy.size()), w.size());
    EXPECT_GT(s.efficiency, 0.0);
    EXPECT_LE(s.efficiency, 1.0 + 1e-9);
    for (const auto& r : farm.local_records()) EXPECT_EQ(r.rank, w.rank());
    const auto all = farm.gather();
    EXPECT_TRUE(complete_and_ordered(w, all, n));
    for (const auto& r : all) {
      EXPECT_EQ(r.result, r.id * r.id + 1);
      EXPECT_EQ(r.input, input_of(r.id));
      EXPECT_EQ(r.output, "out " + std::to_string(r.id));
      EXPECT_FALSE(r.resumed);
    }
    if (sc.kind == Schedule::static_blocks) {
      EXPECT_EQ(s.counter_ops, 0);
    } else {
      EXPECT_GE(s.counter_ops, w.size());
    }
  }
}

TEST(TaskFarm, EmptyTaskListAndMoreRanksThanTasks) {
  const mpi::Comm w = mpi::Comm::world();
  for (std::int64_t n : {0, 1, 3}) {
    TaskFarm farm(w, FarmOptions{});
    const auto s = farm.run(n, input_of, uneven_task);
    EXPECT_EQ(s.run, n);
    EXPECT_TRUE(complete_and_ordered(w, farm.gather(), n));
  }
}

TEST(TaskFarm, FailuresAreRecordedAndTheFarmGoesOn) {
  const mpi::Comm w = mpi::Comm::world();
  const std::int64_t n = 60;
  FarmOptions opt;
  opt.schedule.kind = Schedule::dynamic;
  opt.output_limit = 12;
  TaskFarm farm(w, opt);
  const auto s = farm.run(n, input_of, [](std::int64_t id) -> TaskResult {
    if (id % 5 == 0) throw std::runtime_error("task " + std::to_string(id) + " threw an exception with a long text");
    if (id % 7 == 0) return TaskResult{TaskStatus::failed, 9, "said no", 0};
    return uneven_task(id);
  });
  std::int64_t want_failed = 0;
  for (std::int64_t id = 0; id < n; ++id) want_failed += id % 5 == 0 || id % 7 == 0;
  EXPECT_EQ(s.failed, want_failed);
  EXPECT_EQ(s.timed_out, 0);
  EXPECT_EQ(s.run, n);
  const auto all = farm.gather();
  EXPECT_TRUE(complete_and_ordered(w, all, n));
  for (const auto& r : all) {
    if (r.id % 5 == 0) {
      EXPECT_EQ(r.status, TaskStatus::failed);
      EXPECT_EQ(r.output, clip_output("task " + std::to_string(r.id) + " threw", 12));
      EXPECT_LE(r.output.size(), 12u);
    } else if (r.id % 7 == 0) {
      EXPECT_EQ(r.status, TaskStatus::failed);
      EXPECT_EQ(r.exit_code, 9);
    } else {
      EXPECT_EQ(r.status, TaskStatus::ok);
    }
  }
}

TEST(TaskFarm, TimedOutShellCommandsAreRecorded) {
  const mpi::Comm w = mpi::Comm::world();
  const std::vector<std::string> cmds = {"true", "sleep 10", "exit 2", "echo hi", "sleep 10", "no_such_cmd_xyz"};
  ShellOptions sh;
  sh.timeout = 0.2;
  sh.kill_grace = 0.1;
  FarmOptions opt;
  opt.schedule.kind = Schedule::dynamic;
  TaskFarm farm(w, opt);
  const auto s = farm.run(
      static_cast<std::int64_t>(cmds.size()), [&](std::int64_t id) { return cmds[static_cast<std::size_t>(id)]; },
      [&](std::int64_t id) { return run_shell_command(cmds[static_cast<std::size_t>(id)], id, sh); });
  EXPECT_EQ(s.timed_out, 2);
  EXPECT_EQ(s.failed, 2);
  const auto all = farm.gather();
  EXPECT_TRUE(complete_and_ordered(w, all, 6));
  if (w.is_root()) {
    EXPECT_EQ(all[1].status, TaskStatus::timeout);
    EXPECT_EQ(all[1].exit_code, timeout_exit_code);
    EXPECT_EQ(all[4].status, TaskStatus::timeout);
    EXPECT_EQ(all[2].exit_code, 2);
    EXPECT_EQ(all[5].exit_code, 127);
    EXPECT_EQ(all[3].output, "hi\n");
    EXPECT_LT(all[1].duration, 5.0);
  }
}

TEST(TaskFarm, ResumeAfterASimulatedKillRunsOnlyTheUnfinishedTasks) {
  const mpi::Comm w = mpi::Comm::world();
  const auto prefix = scratch("resume.journal");
  const std::int64_t n = 90;
  // A first run journals everything...
  {
    FarmOptions opt;
    opt.journal = prefix;
    TaskFarm farm(w, opt);
    farm.run(n, input_of, uneven_task);
  }
  // ...then rank 0 turns it into what a killed 3-rank job leaves behind: the tasks with id % 4 == 1
  // never finished, and one file ends in half a record.
  // Rank 0 alone reads and rewrites the journals, so a failure there must not return before the
  // broadcast (the other ranks would wait in it until ctest's timeout): every rank reaches it, and
  // every rank stops after it when rank 0 could not build the journals.
  std::int64_t kept = 0, journalled = -1;
  JournalContents c;
  if (w.is_root()) {
    c = read_journals(prefix);
    journalled = static_cast<std::int64_t>(c.records.size());
  }
  journalled = w.bcast_value(journalled);
  ASSERT_EQ(journalled, n) << "records in the first run's journals (read on rank 0)";
  if (w.is_root()) {
    remove_journals(prefix);
    JournalWriter j0(prefix, 0, false), j1(prefix, 1, false), j2(prefix, 2, false);
    for (const auto& r : c.records) {
      if (r.id % 4 == 1) continue;
      (r.id % 3 == 0 ? j0 : r.id % 3 == 1 ? j1 : j2).append(r);
      ++kept;
    }
    j2.close();
    std::ofstream torn(journal_file(prefix, 2), std::ios::app);
    torn << to_json_line(c.records.front()).substr(0, 20);
  }
  kept = w.bcast_value(kept);
  w.barrier();

  FarmOptions opt;
  opt.journal = prefix;
  opt.resume_from = prefix;
  opt.schedule.kind = Schedule::guided;
  TaskFarm farm(w, opt);
  std::int64_t calls = 0;
  const auto s = farm.run(n, input_of, [&](std::int64_t id) {
    ++calls;
    EXPECT_EQ(id % 4, 1) << "task " << id << " had finished before the kill";
    return uneven_task(id);
  });
  EXPECT_EQ(s.resumed, kept);
  EXPECT_EQ(s.run, n - kept);
  EXPECT_EQ(w.sum(calls), n - kept);
  const auto all = farm.gather();
  EXPECT_TRUE(complete_and_ordered(w, all, n));
  for (const auto& r : all) {
    EXPECT_EQ(r.result, r.id * r.id + 1);
    EXPECT_EQ(r.resumed, r.id % 4 != 1) << r.id;
  }
  // The journal now holds everything: resuming again runs nothing.
  TaskFarm again(w, opt);
  const auto s2 = again.run(n, input_of, [](std::int64_t id) -> TaskResult {
    throw std::runtime_error("nothing should run, yet task " + std::to_string(id) + " did");
  });
  EXPECT_EQ(s2.run, 0);
  EXPECT_EQ(s2.resumed, n);
  EXPECT_EQ(s2.failed, 0);
}

TEST(TaskFarm, ResumeWithRetryFailedRunsTheFailedTasksAgain) {
  const mpi::Comm w = mpi::Comm::world();
  const auto prefix = scratch("retry.journal");
  const std::int64_t n = 40;
  FarmOptions opt;
  opt.journal = prefix;
  {
    TaskFarm farm(w, opt);
    const auto s = farm.run(n, input_of, [](std::int64_t id) {
      TaskResult r = uneven_task(id);
      if (id % 10 == 3) r.status = TaskStatus::failed;
      return r;
    });
    EXPECT_EQ(s.failed, 4);
  }
  opt.resume_from = prefix;
  opt.retry_failed = true;
  TaskFarm farm(w, opt);
  std::int64_t calls = 0;
  const auto s = farm.run(n, input_of, [&](std::int64_t id) {
    ++calls;
    EXPECT_EQ(id % 10, 3);
    return uneven_task(id);
  });
  EXPECT_EQ(w.sum(calls), 4);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.resumed, n - 4);
  // the journal's successful retries win over the failed records
  opt.retry_failed = false;
  TaskFarm check(w, opt);
  const auto s3 = check.run(n, input_of, uneven_task);
  EXPECT_EQ(s3.run, 0);
  EXPECT_EQ(s3.failed, 0);
}

TEST(TaskFarm, ResumeRejectsAJournalOfAnotherTaskList) {
  const mpi::Comm w = mpi::Comm::world();
  const auto prefix = scratch("mismatch.journal");
  FarmOptions opt;
  opt.journal = prefix;
  {
    TaskFarm farm(w, opt);
    farm.run(10, input_of, uneven_task);
  }
  opt.resume_from = prefix;
  TaskFarm other(w, opt);
  EXPECT_THROW(other.run(10, [](std::int64_t id) { return "other " + std::to_string(id); }, uneven_task), UsageError);
  TaskFarm shorter(w, opt);
  EXPECT_THROW(shorter.run(5, input_of, uneven_task), UsageError);
  FarmOptions none;
  none.resume_from = scratch("no-such.journal");
  TaskFarm missing(w, none);
  EXPECT_THROW(missing.run(5, input_of, uneven_task), UsageError);
}

TEST(TaskFarm, ResultsAreIdenticalAcrossRankCountsAndSurviveTheTable) {
  const mpi::Comm w = mpi::Comm::world();
  const std::int64_t n = 123;
  FarmOptions opt;
  opt.schedule.kind = Schedule::dynamic;
  TaskFarm farm(w, opt);
  farm.run(n, input_of, uneven_task);
  const auto all = farm.gather();
  // A digest of everything that must not depend on the rank count, against one computed here.
  auto digest = [](std::int64_t id, std::int64_t result, const std::string& out, TaskStatus st) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ULL; };
    mix(static_cast<std::uint64_t>(id));
    mix(static_cast<std::uint64_t>(result));
    for (char c : out) mix(static_cast<unsigned char>(c));
    mix(static_cast<std::uint64_t>(st));
    return h;
  };
  std::uint64_t got = 0, want = 0;
  for (const auto& r : all) got += digest(r.id, r.result, r.output, r.status);
  for (std::int64_t id = 0; id < n; ++id) {
    const auto r = uneven_task(id);
    want += digest(id, r.result, r.output, r.status);
  }
  if (w.is_root()) {
    EXPECT_EQ(got, want);
  }

  // Through HDF5: rank 0 writes every row, the others none; everyone reads the same table back.
  const auto path = scratch("records.h5");
  {
    io::OutputFile out(w, path);
    write_records(out.file(), "/results/tasks", all);
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  const auto back = read_records(f, "/results/tasks");
  ASSERT_EQ(static_cast<std::int64_t>(back.size()), n);
  std::uint64_t read_digest = 0;
  for (const auto& r : back) read_digest += digest(r.id, r.result, r.output, r.status);
  EXPECT_EQ(read_digest, want);
  EXPECT_EQ(io::read_attr_string(f, "/results/tasks/status", "legend"), status_legend());
}

TEST(TaskFarm, ProgressReachesTheTotalOnRankZero) {
  const mpi::Comm w = mpi::Comm::world();
  FarmOptions opt;
  opt.track_progress = true;
  opt.progress_interval = 0;
  std::int64_t last_done = -1, calls = 0;
  bool saw_final = false;
  opt.on_progress = [&](const Progress& p) {
    ++calls;
    EXPECT_GE(p.done, last_done);
    EXPECT_LE(p.done, p.total);
    EXPECT_LE(p.failed, p.done);
    last_done = p.done;
    saw_final = saw_final || p.final;
  };
  TaskFarm farm(w, opt);
  farm.run(50, input_of, [](std::int64_t id) {
    TaskResult r = uneven_task(id);
    if (id == 7) r.status = TaskStatus::failed;
    return r;
  });
  if (w.is_root()) {
    EXPECT_TRUE(saw_final);
    EXPECT_EQ(last_done, 50);
    EXPECT_GT(calls, 0);
  } else {
    EXPECT_EQ(calls, 0);
  }
}

// A deadline: no task starts that would not end before it (less the margin), running tasks end,
// the rest is held back unrecorded; a resume from the journal runs exactly the held-back tasks.
// A failed attempt whose retry would not fit is journaled as a pending retry and the resume goes
// on with attempt 2 instead of starting again from 1.
TEST(TaskFarm, DeadlineHoldsBackWhatWouldNotFinishAndTheResumeRunsIt) {
  const mpi::Comm w = mpi::Comm::world();
  const std::string j = scratch("deadline-journal");
  const std::int64_t n = 20 * w.size();  // 1 s of work per rank: far beyond the deadline
  const double task_s = 0.05;
  std::vector<int> attempt_seen(static_cast<std::size_t>(n), 0);
  auto task = [&](const TaskContext& c) {
    ::usleep(static_cast<useconds_t>(task_s * 1e6));
    attempt_seen[static_cast<std::size_t>(c.id)] = c.attempt;
    TaskResult r;
    r.result = c.id;
    if (c.id == 5 && c.attempt == 1) r.status = TaskStatus::failed;  // needs its retry
    return r;
  };
  FarmOptions opt;
  opt.schedule.kind = Schedule::dynamic;
  opt.journal = j;
  opt.retries = 1;
  opt.retry_delay = 0.3;  // task 5's retry never fits before the first deadline
  opt.deadline_margin = 0.05;
  const double start = w.bcast_value(unix_now());
  opt.deadline = start + 0.35;
  TaskFarm first(w, opt);
  const auto s1 = first.run(n, input_of, TaskFarm::ContextTaskFn(task));
  EXPECT_GT(s1.held_back, 0);
  EXPECT_EQ(s1.run + s1.held_back, n);
  EXPECT_TRUE(s1.stopped_by_deadline());
  for (const auto& r : first.local_records()) {
    // started in time: it could end before deadline - margin by the longest task known then
    EXPECT_NE(r.id, 5) << "task 5 failed and its retry did not fit: it must not be recorded as final";
  }
  // the resume, without a deadline, runs exactly the tasks held back
  FarmOptions again = opt;
  again.deadline = 0;
  again.resume_from = j;
  again.retry_delay = 0;
  TaskFarm second(w, again);
  std::fill(attempt_seen.begin(), attempt_seen.end(), 0);
  const auto s2 = second.run(n, input_of, TaskFarm::ContextTaskFn(task));
  EXPECT_EQ(s2.held_back, 0);
  EXPECT_EQ(s2.resumed, s1.run);
  EXPECT_EQ(s2.run, n - s1.run);
  EXPECT_EQ(s2.failed, 0);
  const auto all = second.gather();
  EXPECT_TRUE(complete_and_ordered(w, all, n));
  if (w.is_root()) {
    EXPECT_EQ(all[5].attempts, 2) << "the held-back retry went on from attempt 2";
    EXPECT_TRUE(all[5].ok());
  }
  // task 5's only run in the resume was its second attempt
  std::vector<int> seen(attempt_seen.size());
  MPI_Allreduce(attempt_seen.data(), seen.data(), static_cast<int>(n), MPI_INT, MPI_MAX, w.get());
  EXPECT_EQ(seen[5], 2);
}

TEST(TaskFarm, RetriesRunAFailedTaskAgainAndRecordItsAttempts) {
  const mpi::Comm w = mpi::Comm::world();
  FarmOptions opt;
  opt.retries = 2;
  TaskFarm farm(w, opt);
  const auto s = farm.run(12, input_of, TaskFarm::ContextTaskFn([](const TaskContext& c) {
    TaskResult r;
    // task k succeeds on attempt (k % 4) + 1; attempts beyond 3 are not allowed
    if (c.attempt < static_cast<int>(c.id % 4) + 1) r.status = TaskStatus::failed;
    return r;
  }));
  const auto all = farm.gather();
  EXPECT_TRUE(complete_and_ordered(w, all, 12));
  if (w.is_root()) {
    for (const auto& r : all) {
      const int need = static_cast<int>(r.id % 4) + 1;
      EXPECT_EQ(r.attempts, std::min(need, 3)) << "task " << r.id;
      EXPECT_EQ(r.ok(), need <= 3) << "task " << r.id;
    }
  }
  EXPECT_EQ(s.failed, 3);  // ids 3, 7, 11 need a 4th attempt
  EXPECT_EQ(s.retried, 3 * (1 + 2 + 2));
}
