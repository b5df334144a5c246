#include "tessera/tasks/task_farm.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <sstream>

#include "tessera/core/error.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/mpi/shared_counter.hpp"
#include "tessera/tasks/journal.hpp"

namespace tessera::tasks {

namespace {
// Counters in the shared window on rank 0.
enum Counter : int { next_task = 0, tasks_done = 1, tasks_failed = 2, num_counters = 3 };

std::string canonical_prefix(const std::string& prefix) {
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(std::filesystem::path(prefix), ec);
  return ec ? prefix : p.string();
}

bool failed_status(TaskStatus s) { return s != TaskStatus::ok; }
}  // namespace

TaskFarm::TaskFarm(const mpi::Comm& comm, FarmOptions options) : comm_(comm), opt_(std::move(options)) {
  if (opt_.schedule.chunk < 1 || opt_.schedule.min_chunk < 1 || opt_.schedule.guided_k < 1)
    throw UsageError("task farm: chunk sizes and the guided factor must be at least 1");
}

std::vector<std::int64_t> TaskFarm::load_finished(std::int64_t n, const InputFn& input) {
  resumed_.clear();
  std::vector<std::int64_t> ids;
  if (opt_.resume_from.empty()) return ids;
  comm_.collective_check([&] {
    if (!comm_.is_root()) return;
    JournalContents c = read_journals(opt_.resume_from);
    if (c.files == 0) throw UsageError("resume: no journal files '" + opt_.resume_from + ".rank*'");
    if (c.torn_lines > 0)
      log::debug("resume: skipped {} torn journal line(s) under '{}'", c.torn_lines, opt_.resume_from);
    for (auto& r : c.records) {
      if (r.id >= n)
        throw UsageError("journal '" + opt_.resume_from + "' holds task " + std::to_string(r.id) +
                         " but the task list has " + std::to_string(n) + " tasks: not the same task list");
      const std::string now = input(r.id);
      if (r.input != now)
        throw UsageError("journal '" + opt_.resume_from + "' does not match the task list: task " +
                         std::to_string(r.id) + " was '" + r.input + "', now '" + now + "'");
      if (opt_.retry_failed && !r.ok()) continue;
      resumed_.push_back(std::move(r));
    }
    std::sort(resumed_.begin(), resumed_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& r : resumed_) ids.push_back(r.id);
  });
  auto count = comm_.bcast_value(static_cast<long long>(ids.size()));
  ids.resize(static_cast<std::size_t>(count));
  if (count > 0) comm_.bcast(ids.data(), static_cast<int>(count));
  return ids;
}

FarmSummary TaskFarm::run(std::int64_t n, const InputFn& input, const TaskFn& fn) {
  if (n < 0) throw UsageError("task farm: negative task count " + std::to_string(n));
  local_.clear();
  const int rank = comm_.rank(), nranks = comm_.size();
  const std::vector<std::int64_t> finished = load_finished(n, input);

  // The journal of this run: fresh, or continuing the one we resume from.
  JournalWriter journal;
  if (!opt_.journal.empty()) {
    const bool same = !opt_.resume_from.empty() && canonical_prefix(opt_.journal) == canonical_prefix(opt_.resume_from);
    comm_.collective_check([&] {
      check_journal_writable(opt_.journal);
      if (!comm_.is_root() || same) return;
      remove_journals(opt_.journal);
      // a new prefix starts with what was resumed, so that it is complete on its own
      JournalWriter first(opt_.journal, 0, opt_.journal_fsync);
      for (const auto& r : resumed_) first.append(r);
    });
    comm_.collective_check([&] { journal = JournalWriter(opt_.journal, rank, opt_.journal_fsync); });
  }

  // The tasks still to do, the same list on every rank.
  std::vector<std::int64_t> todo;
  todo.reserve(static_cast<std::size_t>(n) - finished.size());
  for (std::int64_t id = 0, k = 0; id < n; ++id) {
    while (k < static_cast<std::int64_t>(finished.size()) && finished[static_cast<std::size_t>(k)] < id) ++k;
    if (k < static_cast<std::int64_t>(finished.size()) && finished[static_cast<std::size_t>(k)] == id) continue;
    todo.push_back(id);
  }
  const std::int64_t m = static_cast<std::int64_t>(todo.size());

  mpi::SharedCounter counter(comm_, num_counters, 0);
  const ScheduleOptions& sched = opt_.schedule;
  const bool track = opt_.track_progress;
  const bool report = track && comm_.is_root() && opt_.on_progress;
  std::int64_t ops = 0, guess = 0;
  bool static_taken = false;

  // The next chunk of `todo` for this rank ([first, last) indices), empty when none is left.
  auto next_chunk = [&]() -> Range {
    switch (sched.kind) {
      case Schedule::static_blocks:
        if (static_taken) return {};
        static_taken = true;
        return static_block(m, rank, nranks);
      case Schedule::dynamic: {
        const std::int64_t first = counter.fetch_add(sched.chunk, next_task);
        ++ops;
        return {first, std::min(first + sched.chunk, m)};
      }
      case Schedule::guided:
        for (;;) {
          const std::int64_t size = guided_chunk(m - guess, nranks, sched.guided_k, sched.min_chunk);
          if (size == 0) return {};
          const std::int64_t seen = counter.compare_swap(guess, guess + size, next_task);
          ++ops;
          if (seen == guess) {
            guess += size;
            return {seen, seen + size};
          }
          guess = seen;  // someone else moved it: size the next try from the true value
        }
    }
    return {};
  };

  comm_.barrier();
  const double t0 = wtime();
  double last_push = t0, last_report = t0, busy = 0;

  auto progress_now = [&](bool final_call) {
    Progress p;
    p.total = m;
    p.done = counter.load(tasks_done);
    p.failed = counter.load(tasks_failed);
    p.dispatched = sched.kind == Schedule::static_blocks ? p.done : std::min(m, counter.load(next_task));
    p.elapsed = wtime() - t0;
    p.rate = p.elapsed > 0 ? static_cast<double>(p.done) / p.elapsed : 0;
    p.eta = p.rate > 0 ? static_cast<double>(m - p.done) / p.rate : 0;
    p.final = final_call;
    opt_.on_progress(p);
  };

  for (Range r = next_chunk(); !r.empty(); r = next_chunk()) {
    for (std::int64_t k = r.first; k < r.last; ++k) {
      TaskRecord rec;
      rec.id = todo[static_cast<std::size_t>(k)];
      rec.input = input(rec.id);
      rec.rank = rank;
      const double ts = wtime();
      rec.start = ts - t0;
      TaskResult res;
      try {
        res = fn(rec.id);
      } catch (const std::exception& e) {
        res = TaskResult{TaskStatus::failed, 1, e.what(), 0};
      } catch (...) {
        res = TaskResult{TaskStatus::failed, 1, "unknown exception", 0};
      }
      const double te = wtime();
      rec.duration = te - ts;
      rec.status = res.status;
      rec.exit_code = res.exit_code;
      rec.output = clip_output(res.output, opt_.output_limit);
      rec.result = res.result;
      busy += rec.duration;
      journal.append(rec);
      const bool bad = failed_status(rec.status);
      local_.push_back(std::move(rec));
      if (track) {
        counter.add_deferred(1, tasks_done);
        if (bad) counter.add_deferred(1, tasks_failed);
        if (te - last_push > 0.05) {
          counter.flush();
          last_push = te;
        }
        if (report && te - last_report >= opt_.progress_interval) {
          progress_now(false);
          last_report = wtime();
        }
      }
    }
  }
  const double loop_end = wtime();
  counter.flush();
  if (report) {
    // Rank 0 is out of work: keep the progress line alive until the others finish.
    while (counter.load(tasks_done) < m) {
      ::usleep(20000);
      if (wtime() - last_report >= opt_.progress_interval) {
        progress_now(false);
        last_report = wtime();
      }
    }
    progress_now(true);
  }
  comm_.barrier();
  counter.free();
  journal.close();

  // Metrics over all ranks.
  FarmSummary s;
  s.total = n;
  s.resumed = static_cast<std::int64_t>(finished.size());
  const double mine = loop_end - t0;
  s.wall = comm_.max(mine);
  const std::int64_t nlocal = static_cast<std::int64_t>(local_.size());
  s.run = comm_.sum(nlocal);
  s.task_time = comm_.sum(busy);
  const double overhead = comm_.sum(std::max(0.0, mine - busy));
  s.counter_ops = comm_.sum(ops);
  std::int64_t failed = 0, timed_out = 0;
  for (const auto& r : local_) {
    failed += r.status == TaskStatus::failed;
    timed_out += r.status == TaskStatus::timeout;
  }
  std::int64_t resumed_failed = 0, resumed_timeout = 0;
  for (const auto& r : resumed_) {
    resumed_failed += r.status == TaskStatus::failed;
    resumed_timeout += r.status == TaskStatus::timeout;
  }
  s.failed = comm_.sum(failed) + comm_.bcast_value(resumed_failed);
  s.timed_out = comm_.sum(timed_out) + comm_.bcast_value(resumed_timeout);
  s.efficiency = s.wall > 0 ? s.task_time / (nranks * s.wall) : 1.0;
  s.tasks_per_second = s.wall > 0 ? static_cast<double>(s.run) / s.wall : 0;
  s.dispatch_overhead = s.run > 0 ? overhead / static_cast<double>(s.run) : 0;
  const auto busy_all = comm_.allgather(busy);
  for (double b : busy_all) s.busy.push_back(s.wall > 0 ? b / s.wall : 0);
  s.tasks_per_rank = comm_.allgather(nlocal);
  return s;
}

std::vector<TaskRecord> TaskFarm::gather() const {
  std::string mine;
  for (const auto& r : local_) {
    mine += to_json_line(r);
    mine += '\n';
  }
  const auto parts = comm_.gather_strings(mine, 0);
  std::vector<TaskRecord> all;
  if (!comm_.is_root()) return all;
  all = resumed_;
  for (const auto& part : parts) {
    std::istringstream in(part);
    std::string line;
    while (std::getline(in, line)) {
      auto r = from_json_line(line);
      if (!r) throw Error("task farm: a gathered record does not parse: " + line.substr(0, 80));
      all.push_back(std::move(*r));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return all;
}

}  // namespace tessera::tasks
