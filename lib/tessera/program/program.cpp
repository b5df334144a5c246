#include "tessera/program/program.hpp"

#include <chrono>
#include <cstdio>
#include <set>

#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/mpi/version.hpp"

namespace tessera::program {

namespace {
std::string num(double v) {
  if (std::isnan(v)) return "nan";
  return fmt::format("{:.3g}", v);
}
}  // namespace

Verdict& Verdict::add(Check c) {
  checks_.push_back(std::move(c));
  return *this;
}

Verdict& Verdict::check(std::string name, bool passed, std::string detail) {
  Check c;
  c.name = std::move(name);
  c.passed = passed;
  c.detail = std::move(detail);
  return add(std::move(c));
}

Verdict& Verdict::within(std::string name, double value, double tolerance, std::string detail) {
  Check c;
  c.name = std::move(name);
  c.value = value;
  c.tolerance = tolerance;
  c.passed = std::isfinite(value) && value <= tolerance;
  const std::string cmp = fmt::format("{} {} tolerance {}", num(value), c.passed ? "<=" : ">", num(tolerance));
  c.detail = detail.empty() ? cmp : detail + ": " + cmp;
  return add(std::move(c));
}

Verdict& Verdict::equal(std::string name, long long got, long long want, std::string detail) {
  Check c;
  c.name = std::move(name);
  c.value = static_cast<double>(got);
  c.tolerance = static_cast<double>(want);
  c.passed = got == want;
  const std::string cmp = fmt::format("{} {} {}", got, c.passed ? "==" : "!=", want);
  c.detail = detail.empty() ? cmp : detail + ": " + cmp;
  return add(std::move(c));
}

bool Verdict::verified() const {
  if (checks_.empty()) return false;
  for (const auto& c : checks_)
    if (!c.passed) return false;
  return true;
}

std::string Verdict::line() const {
  if (checks_.empty()) return "";
  if (verified()) return "VERIFIED";
  std::string why;
  for (const auto& c : checks_)
    if (!c.passed) why += (why.empty() ? "" : "; ") + c.name + (c.detail.empty() ? "" : ": " + c.detail);
  return "FAILED (" + why + ")";
}

Context::Context(mpi::Environment& env, std::string name, int argc, char** argv)
    : env_(env), name_(name), command_line_(cli::command_line(argc, argv)), argc_(argc), argv_(argv),
      report_(std::move(name)) {
  report_.data()["summary"] = nlohmann::json::array();
}

void Context::summary(const std::string& line) {
  log::info("{}", line);
  report_.data()["summary"].push_back(line);
}

io::Provenance Context::provenance(const std::string& grid) const {
  return {name_, command_line_, world().size(), mpi::Environment::max_threads(), grid};
}

void Context::set_exit(ExitCode code, std::string reason) {
  exit_ = code;
  exit_reason_ = std::move(reason);
}

namespace detail {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool parse(Context& ctx, CLI::App& app, const Spec& spec) {
  cli::add_common(app, ctx.common(), spec.with_output);
  bool done = false;
  cli::parse(app, ctx.argc(), ctx.argv(), done);
  if (done) return false;
  cli::apply(ctx.common());
  const auto& world = ctx.world();
  // Before any work: a run that cannot write its results is refused at once (rank 0 looks; every
  // rank gets its answer).
  world.collective_check([&] {
    if (world.rank() != 0) return;
    if (spec.with_output && !ctx.common().output.empty()) fs::check_writable(ctx.common().output);
    if (!ctx.common().report.empty()) fs::check_writable(ctx.common().report);
  });
  ctx.parameter("output", ctx.common().output);
  return true;
}

// The report (docs/report-schema.md), written by rank 0. Collective (the host names).
void write_report(Context& ctx, const Verdict& v, const std::string& verdict, int code, double wall_s) {
  const auto& world = ctx.world();
  auto& env = ctx.env();
  const auto names = world.gather_strings(env.hostname());
  if (world.rank() == 0) {
    auto& j = ctx.report().data();
    std::set<std::string> hosts(names.begin(), names.end());
    auto& run = j["run"];
    run["ranks"] = world.size();
    run["nodes"] = env.num_nodes();
    run["hosts"] = std::vector<std::string>(hosts.begin(), hosts.end());
    run["threads_per_rank"] = mpi::Environment::max_threads();
    run["mpi_thread_level"] = mpi::to_string(env.thread_level());
    run["command_line"] = ctx.command_line();
    run["wall_s"] = wall_s;
    j["build"] = mpi::build_info();
    j["checks"] = nlohmann::json::array();
    for (const auto& c : v.checks()) {
      nlohmann::json cj = {{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}};
      cj["value"] = std::isnan(c.value) ? nlohmann::json() : nlohmann::json(c.value);
      cj["tolerance"] = std::isnan(c.tolerance) ? nlohmann::json() : nlohmann::json(c.tolerance);
      j["checks"].push_back(cj);
    }
    j["verdict"] = verdict;
    j["verified"] = v.empty() ? nlohmann::json() : nlohmann::json(v.verified());
    j["exit_code"] = code;
    if (ctx.exit_override()) j["exit_reason"] = ctx.exit_reason();
    ctx.report().write(ctx.common().report);
    log::info("report: {}", ctx.common().report);
  }
}

int conclude(Context& ctx, const Verdict& given, double wall_s) {
  const auto& world = ctx.world();
  // Every rank must reach the same verdict (rank 0 prints and reports it; the job's exit code is
  // the worst rank's). A verify() that judged rank-local data without agreeing is a bug that must
  // show: then the verdict is FAILED everywhere.
  Verdict v = given;
  const int mine = v.empty() ? 2 : (v.verified() ? 1 : 0);
  if (world.min(mine) != world.max(mine))
    v.check("ranks_agree", false, "the ranks reached different verdicts (a check judged one rank's data alone)");
  int code = v.empty() ? 0 : (v.verified() ? 0 : static_cast<int>(ExitCode::verification_failed));
  std::string line = v.line();
  std::string verdict = v.empty() ? "none" : (v.verified() ? "VERIFIED" : "FAILED");
  if (ctx.exit_override()) {
    code = static_cast<int>(*ctx.exit_override());
    line = ctx.exit_reason();
    if (code != 0) verdict = "none";
  }
  for (const auto& c : v.checks())
    log::info("check {}: {}{}", c.name, c.passed ? "ok" : "FAILED", c.detail.empty() ? "" : " (" + c.detail + ")");
  log::info("time: {:.3f} s in all", wall_s);

  // --report is the same on every rank, so all or none join the collective inside
  if (!ctx.common().report.empty()) write_report(ctx, v, verdict, code, wall_s);
  if (world.rank() == 0 && !line.empty()) {
    std::printf("%s\n", line.c_str());  // the verdict shows even with --quiet
    std::fflush(stdout);
  }
  return code;
}

}  // namespace detail
}  // namespace tessera::program
