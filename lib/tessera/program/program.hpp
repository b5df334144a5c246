// tessera/program/program.hpp: the skeleton every Tessera program shares (as every Parallel Research
// Kernel shares one): the command line, the run, the verification, the human summary, the verdict,
// the JSON report and the exit code. A program is three functions over its own Options:
//
//   struct Options { long n = 1000; double sum = 0; };
//   int main(int argc, char** argv) {
//     tessera::program::Program<Options> p;
//     p.name = "sum";                              // tessera-sum
//     p.description = "Sums 1..n over the ranks.";
//     p.options = [](CLI::App& app, Options& o) { app.add_option("--n", o.n, "Terms"); };
//     p.run = [](tessera::program::Context& ctx, Options& o) {
//       ... o.sum = ctx.world().sum(part);
//       ctx.parameter("n", o.n);
//       ctx.metric("sum", o.sum);
//       ctx.summary("sum of 1..{} = {}", o.n, o.sum);
//     };
//     p.verify = [](tessera::program::Context&, Options& o) {
//       tessera::program::Verdict v;
//       v.within("closed_form", std::fabs(o.sum - o.n * (o.n + 1) / 2.0), 0.5);  // |error| <= tolerance
//       return v;
//     };
//     return tessera::program::main(argc, argv, p);
//   }
//
// What the skeleton does, in order, on every rank:
//   1. MPI (mpi::Environment), the options (CLI11) plus the common ones (--output, --report,
//      --verbose, --quiet, --version, --help); a bad option is one line and exit 2 on every rank;
//      --output and --report are checked writable before any work (exit 2 or 3).
//   2. run(): the work. It adds parameters, metrics and summary lines (printed on rank 0 in order).
//   3. verify(): the checks behind the verdict (Verdict). Every check can fail: it compares a
//      computed result with something computed independently (an analytic solution, a checksum, a
//      residual). A Verdict with no check means the program claims nothing (a listing): no verdict.
//   4. finish() (optional): what depends on the verdict, e.g. commit the output only when VERIFIED.
//   5. The summary's tail on rank 0: one line per check, "time: ...", "report: FILE", then the
//      verdict line, the last line on stdout (shown even with --quiet):
//          VERIFIED
//          FAILED (closed_form: |error| 3.1e-05 > tolerance 1e-12)
//   6. --report FILE.json: one schema for every program (docs/report-schema.md), written atomically
//      by rank 0.
//   7. Exit code: 0 VERIFIED (or no verdict), 1 FAILED, 2 bad usage or input, 3 runtime or I/O
//      error, or what run() set with Context::set_exit (75: preempted, checkpointed).
// Exceptions follow mpi::Environment::run's policy (an error on every rank: one line, its code;
// on some ranks: the job is ended, no hang).
#pragma once
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/report.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/mpi/environment.hpp"

namespace tessera::program {

// One check behind a verdict.
struct Check {
  std::string name;     // short, stable: "freivalds", "closed_form", "records", ...
  bool passed = false;
  double value = std::numeric_limits<double>::quiet_NaN();      // what was measured (error, count)
  double tolerance = std::numeric_limits<double>::quiet_NaN();  // what it is compared with
  std::string detail;   // one line for the summary and the FAILED reason
};

class Verdict {
 public:
  // A check decided by the caller.
  Verdict& check(std::string name, bool passed, std::string detail = {});
  // passed = value <= tolerance; NaN or infinity fails.
  Verdict& within(std::string name, double value, double tolerance, std::string detail = {});
  // passed = got == want (counts: every task, every element).
  Verdict& equal(std::string name, long long got, long long want, std::string detail = {});
  Verdict& add(Check c);

  // Checks were made (a verdict exists) and every one passed.
  bool verified() const;
  bool empty() const { return checks_.empty(); }
  const std::vector<Check>& checks() const { return checks_; }
  // "VERIFIED", "FAILED (name: detail; ...)", or "" when there is no verdict.
  std::string line() const;

 private:
  std::vector<Check> checks_;
};

// What run(), verify() and finish() see.
class Context {
 public:
  Context(mpi::Environment& env, std::string name, int argc, char** argv);

  mpi::Environment& env() { return env_; }
  const mpi::Comm& world() const { return env_.world(); }
  const cli::CommonOptions& common() const { return common_; }
  cli::CommonOptions& common() { return common_; }
  const std::string& name() const { return name_; }
  const std::string& command_line() const { return command_line_; }
  int argc() const { return argc_; }
  char** argv() const { return argv_; }

  // Report content (any rank may set them; rank 0 writes the report, so set them alike or on 0).
  template <typename T>
  void parameter(const std::string& key, const T& value) {
    report_.parameter(key, value);
  }
  template <typename T>
  void metric(const std::string& key, const T& value) {
    report_.metric(key, value);
  }
  // report["run"][key]: facts about where and how it ran beyond ranks, nodes and threads.
  template <typename T>
  void run_info(const std::string& key, const T& value) {
    report_.data()["run"][key] = value;
  }
  Report& report() { return report_; }

  // A line of the human summary, printed on rank 0 now (log::info), so that progress shows while a
  // long run goes on. Also kept for the report's "summary".
  void summary(const std::string& line);
  template <typename... A>
  void summary(fmt::format_string<A...> f, A&&... args) {
    summary(fmt::format(f, std::forward<A>(args)...));
  }

  // Provenance for HDF5 outputs (io::write_provenance), the same fields in every program's files.
  io::Provenance provenance(const std::string& grid = "") const;

  // Overrides the exit code the verdict would give (e.g. ExitCode::preempted after a checkpoint),
  // with the reason printed instead of a verdict.
  void set_exit(ExitCode code, std::string reason);
  const std::optional<ExitCode>& exit_override() const { return exit_; }
  const std::string& exit_reason() const { return exit_reason_; }

 private:
  mpi::Environment& env_;
  std::string name_, command_line_;
  int argc_;
  char** argv_;
  cli::CommonOptions common_;
  Report report_;
  std::optional<ExitCode> exit_;
  std::string exit_reason_;
};

struct Spec {
  std::string name;         // "matmul": the program is tessera-matmul, the report's "app"
  std::string description;  // --help's first paragraph
  std::string footer;       // --help's examples
  bool with_output = true;  // offers --output FILE
  mpi::ThreadLevel required = mpi::ThreadLevel::funneled, wanted = mpi::ThreadLevel::single;
};

template <typename Options>
struct Program : Spec {
  std::function<void(CLI::App&, Options&)> options;
  // After parsing, before any work: checks that need MPI (files exist, the grid fits the ranks).
  std::function<void(Context&, Options&)> validate;
  std::function<void(Context&, Options&)> run;
  std::function<Verdict(Context&, Options&)> verify;
  std::function<void(Context&, Options&, const Verdict&)> finish;
};

namespace detail {
// The non-template parts of main(): parse with the common options, check the output paths.
// Returns false when --help/--version answered.
bool parse(Context& ctx, CLI::App& app, const Spec& spec);
// The summary's tail, the report, the exit code.
int conclude(Context& ctx, const Verdict& v, double wall_s);
double now();
}  // namespace detail

template <typename Options>
int main(int argc, char** argv, const Program<Options>& p) {
  return mpi::Environment::run(
      argc, argv,
      [&](mpi::Environment& env) {
        const double t0 = detail::now();
        Context ctx(env, p.name, argc, argv);
        Options o;
        CLI::App app{p.description, "tessera-" + p.name};
        if (!p.footer.empty()) app.footer(p.footer);
        if (p.options) p.options(app, o);
        if (!detail::parse(ctx, app, p)) return 0;
        if (p.validate) p.validate(ctx, o);
        p.run(ctx, o);
        const Verdict v = p.verify ? p.verify(ctx, o) : Verdict{};
        if (p.finish) p.finish(ctx, o, v);
        return detail::conclude(ctx, v, detail::now() - t0);
      },
      p.required, p.wanted);
}

}  // namespace tessera::program
