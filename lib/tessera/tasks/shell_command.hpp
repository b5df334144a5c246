// tessera/tasks/shell_command.hpp: one shell command as a task: /bin/sh -c, a time limit, output
// captured, and no process left behind.
//
// The command runs in a process group of its own (so a timeout can signal the command and all it
// started), with stdin from /dev/null and the extra environment variables given. Its stdout and
// stderr go either to LOG_DIR/task<ID>.out and .err, or into a pipe of which the first
// `capture_limit` bytes are kept (the rest is read and dropped, so the command never blocks on a
// full pipe). On timeout the group gets SIGTERM, then SIGKILL after `kill_grace` seconds. The child
// is always reaped: no zombies. posix_spawn (vfork + exec) is used, which is safe in an MPI process.
//
// Like GNU make, a simple command (plain words: no quoting, expansion, redirection, pipes, globs,
// assignments or shell keywords and builtins) is started directly, without /bin/sh in between:
// the same program, arguments, environment and exit status, at a fraction of the cost for short
// tasks. Anything else, and a program that cannot be found on PATH, goes through /bin/sh -c.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tessera/tasks/task_record.hpp"

namespace tessera::tasks {

struct ShellOptions {
  double timeout = 0;                // seconds; 0 = no limit
  double kill_grace = 1.0;           // seconds between SIGTERM and SIGKILL on timeout
  std::string log_dir;               // when not empty: stdout/stderr to LOG_DIR/task<ID>.out/.err
  std::size_t capture_limit = 256;   // bytes of output kept in TaskResult::output
  std::vector<std::pair<std::string, std::string>> env;  // set (or replaced) in the command's environment
  std::string shell = "/bin/sh";
  bool direct_simple = true;         // start simple commands without the shell (see above)
};

// Exit code recorded for a command that ran out of time (as timeout(1) does).
constexpr int timeout_exit_code = 124;

// Runs `command` and waits for it. status: ok (exit 0), failed (non-zero exit, killed by a signal:
// exit_code 128 + signal, or could not be started: exit_code 127) or timeout (exit_code 124).
// output: the first capture_limit bytes of stdout then stderr. Never throws for a failing command.
TaskResult run_shell_command(const std::string& command, std::int64_t task_id, const ShellOptions& opt);

// The words of `command` when it is simple enough to run without a shell; empty otherwise.
std::vector<std::string> simple_command_words(const std::string& command);

// "LOG_DIR/task17.out" and ".err"
std::string shell_log_path(const std::string& log_dir, std::int64_t task_id, bool err);

}  // namespace tessera::tasks
