// tessera-taskfarm: Python's Pool.map across every rank of an allocation, load-balanced.
//
// The seed maps math.factorial over a list with multiprocessing.Pool on one node. Here the tasks
// are spread over all ranks, on one node or many, by dynamic self-scheduling (tasks::Dispatcher:
// a shared-memory pool per node, refilled from a coordinator thread on rank 0; rank 0 works too),
// so a mix of cheap and expensive tasks finishes together. Built-in kernels:
// exact factorials (GMP), Mandelbrot rows, prime counts per block, and no-op tasks (to measure the
// dispatch cost); or a file of shell commands, one task per line, each with an optional time limit.
// Every task is recorded (rank, start, duration, status, exit code, output, result) into
// /results/tasks of the HDF5 output; failed tasks are recorded, never fatal. With --journal the
// finished tasks are journaled as they finish, and --resume skips them after a kill.
//
// Usage:
//   mpirun -n 2 tessera-taskfarm                                  # factorial 1..2000
//   mpirun -n 2 tessera-taskfarm --kernel factorial --range 1:20000 -o fact.h5
//   mpirun -n 4 tessera-taskfarm --kernel mandelbrot --width 4096 --height 4096 -o m.h5
//   mpirun -n 2 tessera-taskfarm --kernel primes --range 1:100000000 --block 1000000
//   mpirun -n 8 tessera-taskfarm --commands jobs.txt --task-timeout 600 --log-dir logs --journal j -o jobs.h5
//   mpirun -n 8 tessera-taskfarm --commands jobs.txt --resume j -o jobs.h5     # after a kill
//
// Verdict on rank 0: VERIFIED (every task recorded exactly once, the kernel's own checks pass), or
// FAILED (reason): a check failed, or tasks failed without --allow-failures.
// Exit codes: 0 VERIFIED; 1 FAILED; 2 bad usage or input; 3 runtime or I/O error; 75 the deadline
// held tasks back (PREEMPTED: the journal holds every finished task; requeue with --resume).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "kernel.hpp"
#include "tessera/core/affinity.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/meminfo.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/report.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/mpi/environment.hpp"
#include "tessera/program/program.hpp"
#include "tessera/tasks/command_template.hpp"
#include "tessera/tasks/journal.hpp"
#include "tessera/tasks/record_table.hpp"
#include "tessera/tasks/task_farm.hpp"

using namespace tessera;

namespace {

struct Options {
  cli::CommonOptions common;
  std::string kernel = "factorial";
  std::string commands, command_template, args;
  std::string range;  // default per kernel
  bool test_broken_kernel = false;  // test hook (hidden): mandelbrot returns a constant
  std::int64_t block = 200'000;
  std::int64_t width = 1024, height = 1024;
  int max_iter = 500;
  std::string center = "-0.5,0";
  double span = 3.0;
  std::int64_t count = 2000;
  std::string schedule = "guided";
  std::int64_t chunk = 1, min_chunk = 1;
  int guided_k = 2;
  double task_timeout = 0;
  int retries = 0;
  double retry_delay = 1.0;
  std::string deadline;
  double deadline_margin = 10;
  std::string log_dir;
  std::string journal, resume;
  bool retry_failed = false, fsync = false, allow_failures = false, no_progress = false;
  std::size_t output_bytes = 256;
};

void add_options(CLI::App& app, Options& o) {
  app.footer(
      "Examples:\n"
      "  mpirun -n 2 tessera-taskfarm --kernel factorial --range 1:20000 -o fact.h5\n"
      "  mpirun -n 4 tessera-taskfarm --kernel mandelbrot --width 4096 --height 4096 --schedule dynamic\n"
      "  mpirun -n 8 tessera-taskfarm --commands jobs.txt --task-timeout 600 --log-dir logs --journal j\n"
      "  mpirun -n 8 tessera-taskfarm --commands jobs.txt --resume j -o jobs.h5");
  auto* k = app.add_option("--kernel", o.kernel, "Built-in workload: factorial, mandelbrot, primes or noop")
                ->check(CLI::IsMember({"factorial", "mandelbrot", "primes", "noop"}))
                ->capture_default_str();
  auto* c = app.add_option("--commands", o.commands, "File of shell commands, one task per line (# comments)")->excludes(k);
  auto* t = app.add_option("--template", o.command_template,
                           "Command template: {1}, {2}... are columns of --args, {} all of them, {#} the task number")
                ->excludes(k)
                ->excludes(c);
  app.add_option("--args", o.args, "Tab-separated table for --template: one task per row")->needs(t);
  t->needs("--args");
  app.add_option("--range", o.range, "A:B, inclusive (factorial: n = A..B, default 1:2000; primes: default 1:20000000)");
  app.add_option("--block", o.block, "primes: numbers per task")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--width", o.width, "mandelbrot: image width")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--height", o.height, "mandelbrot: image height = number of tasks")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-iter", o.max_iter, "mandelbrot: iteration limit")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--center", o.center, "mandelbrot: centre of the window, RE,IM (write --center=-0.75,0.1 for a negative RE)")->capture_default_str();
  app.add_flag("--test-broken-kernel", o.test_broken_kernel, "Test hook: mandelbrot returns a constant")->group("");
  app.add_option("--span", o.span, "mandelbrot: height of the window")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--count", o.count, "noop: number of tasks")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--schedule", o.schedule, "static, dynamic or guided")
      ->check(CLI::IsMember({"static", "dynamic", "guided"}))
      ->capture_default_str();
  app.add_option("--chunk", o.chunk, "dynamic: tasks taken per counter operation")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--min-chunk", o.min_chunk, "guided: smallest chunk")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--guided-factor", o.guided_k, "guided: chunk = remaining / (factor * ranks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--task-timeout", o.task_timeout, "commands: seconds before a command is killed (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--retries", o.retries, "Run a failed or timed-out task again up to N times")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--retry-delay", o.retry_delay, "Seconds before each retry")->check(CLI::Range(0.0, 86400.0))->capture_default_str();
  app.add_option("--deadline", o.deadline,
                 "Take no task that would not finish by then: +SECONDS, @UNIXTIME or a UTC time "
                 "(default: $SLURM_JOB_END_TIME when set); held-back tasks make the run exit 75");
  app.add_option("--deadline-margin", o.deadline_margin, "Seconds kept free before the deadline")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  app.add_option("--log-dir", o.log_dir, "commands: write each task's stdout/stderr to DIR/task<ID>.out/.err");
  app.add_option("--journal", o.journal, "Journal finished tasks to PREFIX.rank<N> (flushed per task)");
  app.add_option("--resume", o.resume, "Skip the tasks finished in journal PREFIX (and keep journaling there)");
  app.add_flag("--retry-failed", o.retry_failed, "With --resume: run failed and timed-out tasks again");
  app.add_flag("--fsync", o.fsync, "fsync the journal after every task (survives a node crash; slower)");
  app.add_flag("--allow-failures", o.allow_failures, "Exit 0 even if some tasks failed");
  app.add_flag("--no-progress", o.no_progress, "No progress line, even on a terminal");
  app.add_option("--output-bytes", o.output_bytes, "Bytes of each task's output kept in the results table")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
}

// One line naming an option that does not apply to the chosen workload.
void reject_unused(const CLI::App& app, const std::string& workload, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (app.count(n) > 0) throw UsageError(std::string(n) + " does not apply to " + workload);
}

std::unique_ptr<taskfarm::Kernel> make_kernel(const CLI::App& app, Options& o, mpi::Environment& env) {
  const auto& world = env.world();
  double need = 0;  // bytes on one node
  std::unique_ptr<taskfarm::Kernel> k;
  if (!o.commands.empty() || !o.command_template.empty()) {
    const std::string what = o.commands.empty() ? "--template" : "--commands";
    reject_unused(app, what, {"--range", "--block", "--width", "--height", "--max-iter", "--center", "--span", "--count"});
    taskfarm::CommandParams p;
    std::string text;
    world.collective_check([&] {
      if (!world.is_root()) return;
      if (!o.commands.empty()) {
        for (const auto& c : taskfarm::read_command_file(o.commands)) text += c + '\n';
        return;
      }
      const tasks::CommandTemplate tpl(o.command_template);
      const tasks::ArgTable table = tasks::read_arg_table(o.args);
      tpl.check_against(table);
      for (std::size_t i = 0; i < table.rows.size(); ++i) {
        const std::string cmd = tpl.expand(table.rows[i], static_cast<std::int64_t>(i));
        if (cmd.find('\n') != std::string::npos)
          throw UsageError("argument table '" + o.args + "' line " + std::to_string(table.lines[i]) +
                           ": a value holds a newline");
        text += cmd + '\n';
      }
    });
    p.origin = o.commands.empty() ? "template '" + o.command_template + "' over " + o.args : o.commands;
    p.node = env.hostname();
    p.cpus = affinity::format_cpu_list(affinity::current_affinity());
    p.commands = cli::split(world.bcast_string(text), '\n');
    p.timeout = o.task_timeout;
    p.log_dir = o.log_dir;
    p.capture = o.output_bytes;
    p.rank = env.rank();
    if (!o.log_dir.empty())
      world.collective_check([&] {
        std::error_code ec;
        std::filesystem::create_directories(o.log_dir, ec);
        fs::check_writable(o.log_dir + "/task0.out");
      });
    k = taskfarm::make_commands(std::move(p));
  } else {
    reject_unused(app, "--kernel " + o.kernel, {"--task-timeout", "--log-dir"});
    if (o.kernel == "factorial") {
      reject_unused(app, "--kernel factorial", {"--block", "--width", "--height", "--max-iter", "--center", "--span", "--count"});
      taskfarm::FactorialParams p;
      if (!o.range.empty()) std::tie(p.first, p.last) = cli::parse_range(o.range, "--range");
      need = static_cast<double>(taskfarm::factorial_bytes(p, env.local_size()));
      k = taskfarm::make_factorial(p);
    } else if (o.kernel == "mandelbrot") {
      reject_unused(app, "--kernel mandelbrot", {"--range", "--block", "--count"});
      taskfarm::MandelbrotParams p;
      p.width = o.width;
      p.height = o.height;
      p.max_iter = o.max_iter;
      p.span = o.span;
      p.test_constant = o.test_broken_kernel;
      const auto parts = cli::split(o.center, ',');
      try {
        std::size_t used0 = 0, used1 = 0;
        require(parts.size() == 2, "");
        p.center_re = std::stod(parts[0], &used0);
        p.center_im = std::stod(parts[1], &used1);
        require(used0 == parts[0].size() && used1 == parts[1].size(), "");
      } catch (const std::exception&) {
        throw UsageError("--center '" + o.center + "': expected RE,IM (two numbers)");
      }
      need = static_cast<double>(taskfarm::mandelbrot_bytes(p));
      k = taskfarm::make_mandelbrot(p);
    } else if (o.kernel == "primes") {
      reject_unused(app, "--kernel primes", {"--width", "--height", "--max-iter", "--center", "--span", "--count"});
      taskfarm::PrimesParams p;
      if (!o.range.empty()) std::tie(p.first, p.last) = cli::parse_range(o.range, "--range");
      p.block = o.block;
      require(p.last <= 1'000'000'000'000'000LL, "--range " + o.range + ": primes go up to 10^15 at most");
      need = static_cast<double>(taskfarm::primes_bytes(p, env.local_size()));
      k = taskfarm::make_primes(p);
    } else {
      reject_unused(app, "--kernel noop", {"--range", "--block", "--width", "--height", "--max-iter", "--center", "--span"});
      k = taskfarm::make_noop(o.count);
    }
  }
  if (o.task_timeout > 0 && o.commands.empty() && o.command_template.empty())
    throw UsageError("--task-timeout applies to --commands and --template only");
  // The farm's own bookkeeping: the task list on every rank, every record gathered on rank 0.
  need += static_cast<double>(k->count()) * (8.0 * env.local_size() + 512.0);
  // Memory, checked on every node before anything starts.
  world.collective_check([&] {
    const double avail = meminfo::available_host_bytes();
    if (avail > 0 && need > avail)
      throw UsageError(k->describe() + " needs about " + meminfo::format_bytes(need) +
                       " on this node, but only " + meminfo::format_bytes(avail) +
                       " is available (MemAvailable)");
  });
  return k;
}

std::string percent(double x) { return fmt::format("{:.1f} %", 100.0 * x); }


// What the stages share.
struct State : Options {
  const CLI::App* app = nullptr;
  std::unique_ptr<taskfarm::Kernel> workload;
  tasks::FarmOptions farm;
  tasks::FarmSummary summary;
  std::vector<tasks::TaskRecord> records;
};

void options(CLI::App& app, State& o) {
  add_options(app, o);
  o.app = &app;
}

// Everything before any task runs (identical on all ranks, or agreed).
void validate(program::Context& ctx, State& o) {
  auto& env = ctx.env();
  const auto& world = ctx.world();
  o.common = ctx.common();
  if (!o.resume.empty() && o.journal.empty()) o.journal = o.resume;
  require(!o.retry_failed || !o.resume.empty(), "--retry-failed needs --resume");
  o.workload = make_kernel(*o.app, o, env);
  world.collective_check([&] {
    if (!o.journal.empty()) tasks::check_journal_writable(o.journal);
  });

  tasks::FarmOptions& fo = o.farm;
  fo.schedule.kind = tasks::parse_schedule(o.schedule);
  fo.schedule.chunk = o.chunk;
  fo.schedule.min_chunk = o.min_chunk;
  fo.schedule.guided_k = o.guided_k;
  fo.journal = o.journal;
  fo.journal_fsync = o.fsync;
  fo.resume_from = o.resume;
  fo.retry_failed = o.retry_failed;
  fo.output_limit = o.output_bytes;
  fo.retries = o.retries;
  fo.retry_delay = o.retry_delay;
  fo.deadline_margin = o.deadline_margin;
  // The deadline: --deadline, else the allocation's end when Slurm says it (SLURM_JOB_END_TIME).
  std::string deadline_text = o.deadline;
  if (deadline_text.empty()) {
    const char* end = std::getenv("SLURM_JOB_END_TIME");
    if (end != nullptr && *end != '\0') deadline_text = std::string("@") + end;
  }
  if (!deadline_text.empty()) {
    const double now = world.bcast_value(tasks::unix_now());
    fo.deadline = tasks::parse_deadline(deadline_text, now, o.deadline.empty() ? "SLURM_JOB_END_TIME" : "--deadline");
    if (fo.deadline - fo.deadline_margin <= now)
      log::warn("the deadline ({}) is less than --deadline-margin {} s away: no task will start", deadline_text,
                fo.deadline_margin);
    if (o.journal.empty()) log::warn("a deadline without --journal: tasks held back by it cannot be resumed later");
  }
  // The coordinator answers other nodes from a thread of its own where MPI allows it.
  fo.threaded_coordinator = env.thread_level() == mpi::ThreadLevel::multiple;
  const bool terminal = world.is_root() && !o.common.quiet && !o.no_progress && log::progress_reaches_terminal();
  fo.track_progress = world.bcast_value(terminal ? 1 : 0) == 1;
  fo.on_progress = [](const tasks::Progress& p) {
    std::fputs(fmt::format("\r  {}/{} done, {} failed, {:.1f} tasks/s, ETA {:.0f} s   {}", p.done, p.total, p.failed,
                           p.rate, p.eta, p.final ? "\n" : "")
                   .c_str(),
               stdout);
    std::fflush(stdout);
  };
}

void run(program::Context& ctx, State& o) {
  const auto& world = ctx.world();
  auto& kernel = o.workload;
  ctx.summary("tessera-taskfarm: {} on {} rank(s), {} schedule", kernel->describe(), world.size(), o.schedule);
  tasks::TaskFarm farm(world, o.farm);
  o.summary = farm.run(
      kernel->count(), [&](std::int64_t id) { return kernel->input(id); },
      tasks::TaskFarm::ContextTaskFn([&](const tasks::TaskContext& c) { return kernel->run_attempt(c); }));
  o.records = farm.gather();
  const auto& s = o.summary;

  ctx.parameter("workload", kernel->describe());
  ctx.parameter("kernel", o.commands.empty() ? o.kernel : "commands");
  ctx.parameter("schedule", o.schedule);
  ctx.parameter("chunk", o.chunk);
  ctx.parameter("min_chunk", o.min_chunk);
  ctx.parameter("tasks", s.total);
  ctx.parameter("resume", !o.resume.empty());
  ctx.parameter("retries", o.retries);
  ctx.metric("tasks_run", s.run);
  ctx.metric("tasks_resumed", s.resumed);
  ctx.metric("tasks_held_back", s.held_back);
  if (s.stopped_by_deadline()) {
    // Running tasks finished, the journal is flushed; the rest runs after the requeue.
    ctx.summary("  deadline  no task was started that would not end {} s before it; longest task {:.3f} s",
                o.deadline_margin, s.max_task_seconds);
    if (!o.journal.empty()) ctx.summary("  resume    tessera-taskfarm ... --resume {}", o.journal);
    ctx.set_exit(ExitCode::preempted,
                 fmt::format("PREEMPTED (deadline: {} of {} tasks held back, {} done{})", s.held_back, s.total,
                             s.run + s.resumed, o.journal.empty() ? ", no journal to resume from" : ""));
    return;
  }
  std::string busy;
  for (double b : s.busy) busy += (busy.empty() ? "" : " ") + percent(b);
  ctx.summary("  tasks     {} total: {} run, {} resumed, {} failed, {} timed out", s.total, s.run, s.resumed, s.failed,
              s.timed_out);
  ctx.summary("  time      {:.3f} s wall, {:.1f} tasks/s, dispatch overhead {:.2f} us/task", s.wall,
              s.tasks_per_second, s.dispatch_overhead * 1e6);
  ctx.summary("  dispatch  {} node(s): {} chunks from node pools, {} batches into them, {} requests to the coordinator{}",
              s.nodes, s.counter_ops, s.refills, s.requests,
              s.nodes > 1 ? (s.threaded ? " (its own thread on rank 0)" : " (answered by rank 0 between tasks)") : "");
  if (s.requests > 0)
    ctx.summary("  requests  {:.1f} us round trip on average; the coordinator spent {:.2f} us on each of {} messages",
                s.request_latency * 1e6, s.service_time * 1e6, s.served);
  if (s.retried > 0) ctx.summary("  retries   {} extra attempt(s)", s.retried);
  ctx.summary("  balance   efficiency {} (task time / ranks x wall); busy per rank: {}", percent(s.efficiency), busy);
  ctx.metric("tasks_failed", s.failed);
  ctx.metric("tasks_timed_out", s.timed_out);
  ctx.metric("wall_seconds", s.wall);
  ctx.metric("task_seconds", s.task_time);
  ctx.metric("tasks_per_second", s.tasks_per_second);
  ctx.metric("dispatch_overhead_us", s.dispatch_overhead * 1e6);
  ctx.metric("efficiency", s.efficiency);
  ctx.metric("busy_per_rank", s.busy);
  ctx.metric("tasks_per_rank", s.tasks_per_rank);
  ctx.metric("counter_ops", s.counter_ops);
  ctx.metric("coordinator_requests", s.requests);
  ctx.metric("pool_refills", s.refills);
  ctx.metric("request_latency_us", s.request_latency * 1e6);
  ctx.metric("coordinator_messages", s.served);
  ctx.metric("coordinator_service_us", s.service_time * 1e6);
  ctx.metric("retried_attempts", s.retried);
  ctx.metric("coordinator_thread", s.threaded);
}

// Every task recorded exactly once, the kernel's own checks against an independent reference, and
// (unless --allow-failures) every task succeeded.
program::Verdict verify(program::Context& ctx, State& o) {
  program::Verdict verdict;
  if (ctx.exit_override()) return verdict;  // preempted: no verdict on a part of the work
  const auto& world = ctx.world();
  const auto& all = o.records;
  const auto& s = o.summary;
  bool complete = true;
  if (world.is_root()) {
    complete = static_cast<std::int64_t>(all.size()) == o.workload->count();
    for (std::size_t i = 0; complete && i < all.size(); ++i) complete = all[i].id == static_cast<std::int64_t>(i);
  }
  complete = world.bcast_value(complete ? 1 : 0) == 1;
  verdict.check("records", complete,
                fmt::format("every one of the {} tasks recorded exactly once", o.workload->count()));
  taskfarm::Verdict v = o.workload->verify(world, all);
  const bool kernel_ok = world.bcast_value(v.ok ? 1 : 0) == 1;
  verdict.check(o.commands.empty() && o.command_template.empty() ? o.kernel : "commands", kernel_ok,
                kernel_ok ? "results match the independent reference" : v.why);
  for (const auto& line : v.lines) ctx.summary("  {}", line);
  for (auto it = v.metrics.begin(); it != v.metrics.end(); ++it) ctx.metric(it.key(), it.value());
  const std::int64_t bad = s.failed + s.timed_out;
  if (!o.allow_failures)
    verdict.check("tasks", bad == 0,
                  bad == 0 ? "every task succeeded"
                           : fmt::format("{} of {} tasks failed, {} timed out; --allow-failures accepts that", bad,
                                         s.total, s.timed_out));
  return verdict;
}

// Output, when the records and the kernel's results verify (failed tasks are results too: their
// status is in the table): the table (gathered on rank 0; the other ranks write no rows) and the
// kernel's fields.
void finish(program::Context& ctx, State& o, const program::Verdict& v) {
  if (o.common.output.empty() || ctx.exit_override()) return;
  for (const auto& c : v.checks())
    if (!c.passed && c.name != "tasks") return;
  const auto& s = o.summary;
  const auto& all = o.records;
  io::OutputFile out(ctx.world(), o.common.output);
  io::Provenance prov = ctx.provenance();
  prov.verified = v.verified() ? "VERIFIED" : "FAILED";  // failed tasks (--allow-failures off) are results too
  io::write_provenance(out.file(), prov);
  tasks::RecordTableOptions rto;
  rto.output_width = o.output_bytes;
  tasks::write_records(out.file(), "/results/tasks", all, rto);
  const auto& f = out.file();
  io::write_attr(f, "/results/tasks", "workload", o.workload->describe());
  io::write_attr(f, "/results/tasks", "schedule", o.schedule);
  io::write_attr(f, "/results/tasks", "failed", s.failed);
  io::write_attr(f, "/results/tasks", "timed_out", s.timed_out);
  io::write_attr(f, "/results/tasks", "resumed", s.resumed);
  io::write_attr(f, "/results/tasks", "wall_seconds", s.wall);
  io::write_attr(f, "/results/tasks", "efficiency", s.efficiency);
  o.workload->write_fields(f, all);
  out.commit();
  // The kernel's 2D/3D fields (mandelbrot) for ParaView, once the .h5 is in place.
  const std::string xmf = io::xdmf_path_for(o.common.output);
  const auto grids = o.workload->xdmf_grids(io::relative_h5_name(xmf, o.common.output));
  if (!grids.empty()) io::write_xdmf(ctx.world(), xmf, grids);
  ctx.summary("  output    {} (/results/tasks, {} rows){}", o.common.output, s.total,
              grids.empty() ? "" : " and " + xmf);
}

}  // namespace

int main(int argc, char** argv) {
  program::Program<State> p;
  p.name = "taskfarm";
  p.description = "tessera-taskfarm: Pool.map across every rank, with dynamic load balancing";
  p.wanted = mpi::ThreadLevel::multiple;  // the coordinator's own thread, where MPI allows it
  p.options = options;
  p.validate = validate;
  p.run = run;
  p.verify = verify;
  p.finish = finish;
  return program::main(argc, argv, p);
}
