// apps/taskfarm/commands.cpp: a file of shell commands as tasks (what TACC's launcher and disBatch
// do inside one job). Each runs under /bin/sh -c on the rank that takes it, with TESSERA_TASK_ID
// and TESSERA_RANK set; a failing, missing or timed-out command is a failed record, not an error.
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
    return std::to_string(p_.commands.size()) + " shell commands" +
           (p_.timeout > 0 ? ", time limit " + fmt_seconds(p_.timeout) : "");
  }
  std::int64_t count() const override { return static_cast<std::int64_t>(p_.commands.size()); }
  std::string input(std::int64_t id) const override { return p_.commands[static_cast<std::size_t>(id)]; }
  TaskResult run(std::int64_t id) override {
    opt_.env = {{"TESSERA_TASK_ID", std::to_string(id)}, {"TESSERA_RANK", std::to_string(p_.rank)}};
    return tessera::tasks::run_shell_command(p_.commands[static_cast<std::size_t>(id)], id, opt_);
  }
  Verdict verify(const tessera::mpi::Comm&, const std::vector<TaskRecord>&) override { return {}; }

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
