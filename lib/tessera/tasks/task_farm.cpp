#include "tessera/tasks/task_farm.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <sstream>

#include "tessera/core/error.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/tasks/dispatcher.hpp"
#include "tessera/tasks/journal.hpp"

namespace tessera::tasks {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

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
  pending_attempts_.clear();
  journal_max_duration_ = 0;
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
      if (r.retry_pending) {  // not finished: it runs again, its attempts counted on
        pending_attempts_.emplace_back(r.id, r.attempts);
        continue;
      }
      if (opt_.retry_failed && !r.ok()) continue;
      resumed_.push_back(std::move(r));
    }
    std::sort(resumed_.begin(), resumed_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& r : resumed_) journal_max_duration_ = std::max(journal_max_duration_, r.duration);
    for (const auto& r : resumed_) ids.push_back(r.id);
  });
  auto count = comm_.bcast_value(static_cast<long long>(ids.size()));
  ids.resize(static_cast<std::size_t>(count));
  comm_.bcast_large(ids.data(), static_cast<std::size_t>(count));
  // attempts already made of tasks whose retry the deadline held back: id, attempts pairs
  std::vector<std::int64_t> flat;
  for (const auto& [id, a] : pending_attempts_) flat.insert(flat.end(), {id, a});
  const auto np = comm_.bcast_value(static_cast<long long>(flat.size()));
  flat.resize(static_cast<std::size_t>(np));
  comm_.bcast_large(flat.data(), static_cast<std::size_t>(np));
  prior_attempts_.clear();
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) prior_attempts_[flat[i]] = static_cast<int>(flat[i + 1]);
  return ids;
}

FarmSummary TaskFarm::run(std::int64_t n, const InputFn& input, const TaskFn& fn) {
  return run(n, input, ContextTaskFn([&fn](const TaskContext& c) { return fn(c.id); }));
}

FarmSummary TaskFarm::run(std::int64_t n, const InputFn& input, const ContextTaskFn& fn) {
  if (n < 0) throw UsageError("task farm: negative task count " + std::to_string(n));
  if (opt_.retries < 0) throw UsageError("task farm: negative retry count " + std::to_string(opt_.retries));
  local_.clear();
  const int rank = comm_.rank(), nranks = comm_.size();
  if (host_.empty()) {
    char h[256] = {0};
    ::gethostname(h, sizeof h - 1);
    host_ = h;
  }
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

  Dispatcher disp(comm_, m, opt_.schedule, opt_.threaded_coordinator, opt_.emulate_ranks_per_node);
  const bool track = opt_.track_progress;
  const bool report = track && comm_.is_root() && opt_.on_progress;
  const bool serve = comm_.is_root() && !disp.threaded();

  // Deadline: the longest task seen (here, or in the journal) must fit before it, less the margin.
  const double deadline = opt_.deadline > 0 ? opt_.deadline - opt_.deadline_margin : 0;
  double longest = comm_.bcast_value(journal_max_duration_);
  bool held = false;
  auto fits = [&](double extra) { return deadline <= 0 || unix_now() + longest + extra <= deadline; };

  comm_.barrier();
  const double t0 = wtime();
  double last_report = t0, busy = 0, max_task = 0, retry_wait = 0;
  std::int64_t retried = 0;

  auto progress_now = [&](bool final_call) {
    Progress p;
    p.total = m;
    p.done = disp.done();
    p.failed = disp.failed();
    p.dispatched = opt_.schedule.kind == Schedule::static_blocks ? p.done : disp.dispatched();
    p.elapsed = wtime() - t0;
    p.rate = p.elapsed > 0 ? static_cast<double>(p.done) / p.elapsed : 0;
    p.eta = p.rate > 0 ? static_cast<double>(m - p.done) / p.rate : 0;
    p.final = final_call;
    opt_.on_progress(p);
  };

  for (;;) {
    if (!fits(0)) {
      held = true;
      break;
    }
    const Range r = disp.next();
    if (r.empty()) break;
    for (std::int64_t k = r.first; k < r.last; ++k) {
      if (serve) disp.poll();
      if (!fits(0)) {  // the rest of this chunk is held back: nobody runs it, the resume will
        held = true;
        break;
      }
      TaskRecord rec;
      rec.id = todo[static_cast<std::size_t>(k)];
      rec.input = input(rec.id);
      rec.rank = rank;
      rec.node = host_;
      TaskResult res;
      bool retry_held = false;
      const auto prior = prior_attempts_.find(rec.id);
      const int first_attempt = prior == prior_attempts_.end() ? 1 : prior->second + 1;
      const int last_attempt = prior == prior_attempts_.end() ? 1 + opt_.retries : std::max(first_attempt, 1 + opt_.retries);
      for (int attempt = first_attempt;; ++attempt) {
        const double ts = wtime();
        rec.start = ts - t0;
        try {
          res = fn(TaskContext{rec.id, attempt});
        } catch (const std::exception& e) {
          res = TaskResult{TaskStatus::failed, 1, e.what(), 0};
        } catch (...) {
          res = TaskResult{TaskStatus::failed, 1, "unknown exception", 0};
        }
        rec.duration = wtime() - ts;
        rec.attempts = attempt;
        busy += rec.duration;
        max_task = std::max(max_task, rec.duration);
        longest = std::max(longest, rec.duration);
        if (res.status == TaskStatus::ok || attempt >= last_attempt) break;
        // Another run, unless the deadline would cut it: then this attempt is journaled as a
        // pending retry, and the resume after the requeue goes on with the next attempt.
        if (!fits(opt_.retry_delay)) {
          retry_held = true;
          break;
        }
        ++retried;
        if (opt_.retry_delay > 0) {
          ::usleep(static_cast<useconds_t>(opt_.retry_delay * 1e6));
          retry_wait += opt_.retry_delay;
        }
      }
      if (retry_held) {
        TaskRecord pending = rec;
        pending.status = res.status;
        pending.exit_code = res.exit_code;
        pending.output = clip_output(res.output, opt_.output_limit);
        pending.retry_pending = true;
        journal.append(pending);
        held = true;
        break;
      }
      rec.status = res.status;
      rec.exit_code = res.exit_code;
      rec.output = clip_output(res.output, opt_.output_limit);
      rec.result = res.result;
      journal.append(rec);
      const bool bad = failed_status(rec.status);
      local_.push_back(std::move(rec));
      disp.count_done(1, bad ? 1 : 0);
      if (report && wtime() - last_report >= opt_.progress_interval) {
        progress_now(false);
        last_report = wtime();
      }
    }
    if (held) break;
  }
  const double loop_end = wtime();
  journal.close();
  // Rank 0 keeps the progress line alive (and, without a thread, answers the others) until every
  // rank is out of work.
  disp.finish([&] {
    if (report && wtime() - last_report >= opt_.progress_interval) {
      progress_now(false);
      last_report = wtime();
    }
  });
  if (report) progress_now(true);

  // Metrics over all ranks.
  FarmSummary s;
  s.total = n;
  s.resumed = static_cast<std::int64_t>(finished.size());
  const double mine = loop_end - t0;
  s.wall = comm_.max(mine);
  const std::int64_t nlocal = static_cast<std::int64_t>(local_.size());
  s.run = comm_.sum(nlocal);
  s.task_time = comm_.sum(busy);
  const double overhead = comm_.sum(std::max(0.0, mine - busy - retry_wait));
  s.counter_ops = comm_.sum(disp.takes());
  s.requests = comm_.sum(disp.requests());
  s.refills = comm_.sum(disp.refills());
  const double waited = comm_.sum(disp.request_seconds());
  s.request_latency = s.requests > 0 ? waited / static_cast<double>(s.requests) : 0;
  s.served = comm_.bcast_value(disp.served());
  s.service_time = comm_.bcast_value(s.served > 0 ? disp.serve_seconds() / static_cast<double>(s.served) : 0.0);
  s.nodes = disp.nodes();
  s.threaded = disp.threaded();
  s.retried = comm_.sum(retried);
  s.max_task_seconds = comm_.max(max_task);
  const bool anyone_held = comm_.any(held);
  s.held_back = anyone_held ? m - s.run : 0;
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
