// apps/taskfarm/commands.cpp: a file of shell commands as tasks (what TACC's launcher and disBatch
// do inside one job), or commands made from a template and a table of arguments (GNU parallel's
// way). Each runs under /bin/sh -c on the rank that takes it, and sees who it is in its
// environment: TESSERA_TASK_ID (0-based), TESSERA_TASK_ATTEMPT (1, then 2... on retries),
// TESSERA_RANK, TESSERA_NODE (the host) and TESSERA_TASK_CPUS (the CPUs it may use, "0-3"). A
// failing, missing, crashing or timed-out command is a failed record, never an error of the farm.
#include <fstream>

#include "kernel.hpp"
#include "tessera/core/error.hpp"
#include "tessera/tasks/shell_command.hpp"

namespace taskfarm {

std::vector<std::string> read_command_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw tessera::UsageError("cannot read command file '" + path + "'");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    out.push_back(line.substr(first));
  }
  if (in.bad()) throw tessera::UsageError("cannot read command file '" + path + "'");
  if (out.empty()) throw tessera::UsageError("command file '" + path + "' holds no command");
  return out;
}

namespace {
class Commands final : public Kernel {
 public:
  explicit Commands(CommandParams p) : p_(std::move(p)) {
    opt_.timeout = p_.timeout;
    opt_.log_dir = p_.log_dir;
    opt_.capture_limit = p_.capture;
  }
  std::string describe() const override {
    return std::to_string(p_.commands.size()) + " shell commands" + (p_.origin.empty() ? "" : " (" + p_.origin + ")") +
           (p_.timeout > 0 ? ", time limit " + fmt_seconds(p_.timeout) : "");
  }
  std::int64_t count() const override { return static_cast<std::int64_t>(p_.commands.size()); }
  std::string input(std::int64_t id) const override { return p_.commands[static_cast<std::size_t>(id)]; }
  TaskResult run(std::int64_t id) override { return run_attempt({id, 1}); }
  TaskResult run_attempt(const tessera::tasks::TaskContext& c) override {
    opt_.env = {{"TESSERA_TASK_ID", std::to_string(c.id)},
                {"TESSERA_TASK_ATTEMPT", std::to_string(c.attempt)},
                {"TESSERA_RANK", std::to_string(p_.rank)},
                {"TESSERA_NODE", p_.node},
                {"TESSERA_TASK_CPUS", p_.cpus}};
    return tessera::tasks::run_shell_command(p_.commands[static_cast<std::size_t>(c.id)], c.id, opt_);
  }
  // What VERIFIED means for commands (the farm checks beside it that every task has exactly one
  // record): each record is of the command it names, ran on a real rank (or was resumed from a
  // journal), and its status agrees with its exit code: ok exactly when the command exited 0 in time.
  // Whether a command's own work was right is the command's business; failures are counted apart.
  Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) override {
    Verdict v;
    if (!comm.is_root()) return v;
    std::int64_t ran = 0;
    for (const auto& r : all) {
      const std::string id = "task " + std::to_string(r.id);
      if (r.id < 0 || r.id >= count()) {
        v.fail(id + ": no such task");
        continue;
      }
      if (r.input != p_.commands[static_cast<std::size_t>(r.id)])
        v.fail(id + ": its record holds another command ('" + r.input.substr(0, 60) + "')");
      if (!r.resumed && (r.rank < 0 || r.rank >= comm.size())) v.fail(id + ": ran on no rank of this job");
      if (r.attempts < 1) v.fail(id + ": recorded with " + std::to_string(r.attempts) + " attempts");
      if (r.ok() && r.exit_code != 0) v.fail(id + ": status ok with exit code " + std::to_string(r.exit_code));
      if (r.retry_pending) v.fail(id + ": a pending retry among the finished records");
      ran += r.resumed ? 0 : 1;
    }
    v.lines.push_back(std::to_string(all.size()) + " commands recorded (" + std::to_string(ran) +
                      " run by this job), each once, status matching exit code");
    return v;
  }

 private:
  static std::string fmt_seconds(double s) {
    std::string t = std::to_string(s);
    while (!t.empty() && t.back() == '0') t.pop_back();
    if (!t.empty() && t.back() == '.') t.pop_back();
    return t + " s";
  }
  CommandParams p_;
  tessera::tasks::ShellOptions opt_;
};
}  // namespace

std::unique_ptr<Kernel> make_commands(CommandParams p) { return std::make_unique<Commands>(std::move(p)); }

}  // namespace taskfarm
