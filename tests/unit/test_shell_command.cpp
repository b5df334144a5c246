// Shell commands as tasks: exit codes, captured output, environment, log files, time limits that
// kill the whole process group, and no zombie left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tessera/tasks/shell_command.hpp"
#include "scratch.hpp"

using namespace tessera::tasks;

namespace {
std::string scratch_dir(const std::string& name) {
  const auto dir = tessera::testing::local_scratch(name);
  std::filesystem::create_directories(dir);
  return dir;
}
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
// True while `pid` exists and is not a zombie.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}
// No child of ours is left, running or zombie.
bool no_children() { return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD; }
}  // namespace

TEST(ShellCommand, ExitCodesAndStatus) {
  ShellOptions opt;
  auto ok = run_shell_command("true", 0, opt);
  EXPECT_EQ(ok.status, TaskStatus::ok);
  EXPECT_EQ(ok.exit_code, 0);
  auto bad = run_shell_command("exit 3", 1, opt);
  EXPECT_EQ(bad.status, TaskStatus::failed);
  EXPECT_EQ(bad.exit_code, 3);
  auto missing = run_shell_command("no_such_command_tessera_xyz", 2, opt);
  EXPECT_EQ(missing.status, TaskStatus::failed);
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.output.find("no_such_command_tessera_xyz"), std::string::npos);
  auto killed = run_shell_command("kill -9 $$", 3, opt);
  EXPECT_EQ(killed.status, TaskStatus::failed);
  EXPECT_EQ(killed.exit_code, 128 + 9);
  EXPECT_TRUE(no_children());
}

TEST(ShellCommand, OutputIsCapturedUpToTheLimitAndTheRestDrained) {
  ShellOptions opt;
  opt.capture_limit = 10;
  auto r = run_shell_command("echo 0123456789abcdef; echo more >&2; head -c 200000 /dev/zero", 0, opt);
  EXPECT_EQ(r.status, TaskStatus::ok);  // 200 kB into a pipe nobody keeps: it must not block
  EXPECT_EQ(r.output, "0123456789");
  opt.capture_limit = 256;
  r = run_shell_command("printf out; printf err >&2", 0, opt);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(ShellCommand, EnvironmentVariablesAreSetForTheCommand) {
  ShellOptions opt;
  opt.env = {{"TESSERA_TASK_ID", "17"}, {"TESSERA_RANK", "3"}, {"HOME", "/replaced"}};
  const auto r = run_shell_command("printf '%s %s %s' \"$TESSERA_TASK_ID\" \"$TESSERA_RANK\" \"$HOME\"", 17, opt);
  EXPECT_EQ(r.output, "17 3 /replaced");
}

TEST(ShellCommand, LogDirHoldsStdoutAndStderrPerTask) {
  ShellOptions opt;
  opt.log_dir = scratch_dir("logs");
  const auto r = run_shell_command("echo to-out; echo to-err >&2; exit 4", 9, opt);
  EXPECT_EQ(r.status, TaskStatus::failed);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(slurp(shell_log_path(opt.log_dir, 9, false)), "to-out\n");
  EXPECT_EQ(slurp(shell_log_path(opt.log_dir, 9, true)), "to-err\n");
  EXPECT_EQ(r.output, "to-out\nto-err\n");
  opt.log_dir = scratch_dir("logs") + "/missing/sub";
  const auto e = run_shell_command("true", 1, opt);  // cannot open the log: a failed task, not a crash
  EXPECT_EQ(e.status, TaskStatus::failed);
}

TEST(ShellCommand, TimeoutKillsTheWholeProcessGroup) {
  ShellOptions opt;
  opt.timeout = 0.3;
  opt.kill_grace = 0.2;
  const auto pidfile = scratch_dir("timeout") + "/bg.pid";
  // a background grandchild that would outlive the shell, and a shell that ignores SIGTERM
  const auto r = run_shell_command("sleep 30 & echo $! > " + pidfile + "; trap '' TERM; sleep 30; sleep 30", 0, opt);
  EXPECT_EQ(r.status, TaskStatus::timeout);
  EXPECT_EQ(r.exit_code, timeout_exit_code);
  const pid_t bg = static_cast<pid_t>(std::stol(slurp(pidfile)));
  // the grandchild got SIGKILL with the group; give the kernel a moment to deliver it
  for (int i = 0; i < 100 && alive(bg); ++i) ::usleep(10000);
  EXPECT_FALSE(alive(bg));
  EXPECT_TRUE(no_children());
}

TEST(ShellCommand, ABackgroundChildHoldingThePipeDoesNotBlockCompletion) {
  ShellOptions opt;
  opt.timeout = 5;
  const auto r = run_shell_command("(sleep 2 &) ; echo started", 0, opt);
  EXPECT_EQ(r.status, TaskStatus::ok);
  EXPECT_NE(r.output.find("started"), std::string::npos);
  EXPECT_TRUE(no_children());
}

// Plain words run without /bin/sh; anything a shell would interpret goes through it.
TEST(ShellCommand, SimpleCommandsAreRecognisedAndEverythingElseGoesToTheShell) {
  EXPECT_EQ(simple_command_words("true"), (std::vector<std::string>{"true"}));
  EXPECT_EQ(simple_command_words("  prog --in a.dat  --out /x/y.h5 "),
            (std::vector<std::string>{"prog", "--in", "a.dat", "--out", "/x/y.h5"}));
  for (const char* shellish : {"echo $HOME", "a | b", "a && b", "a; b", "a > f", "a < f", "ls *.h5", "echo 'x'",
                               "echo \"x\"", "echo `x`", "X=1 prog", "exit 3", "cd /tmp", "if true", "a\nb",
                               "echo ~", "prog # comment", "(a)", "a\tb", ""}) {
    EXPECT_TRUE(simple_command_words(shellish).empty()) << "'" << shellish << "' must go through the shell";
  }
}

// Started directly or through the shell, a command behaves the same: output, exit code, signals,
// a program not on PATH (the shell's 127 and message), and the environment it is given.
TEST(ShellCommand, DirectAndShellStartsBehaveAlike) {
  for (bool direct : {true, false}) {
    SCOPED_TRACE(direct ? "direct" : "through /bin/sh");
    ShellOptions opt;
    opt.direct_simple = direct;
    opt.env = {{"TESSERA_X", "42"}};
    EXPECT_EQ(run_shell_command("echo a  b", 0, opt).output, "a b\n");
    EXPECT_EQ(run_shell_command("false", 0, opt).exit_code, 1);
    EXPECT_EQ(run_shell_command("printenv TESSERA_X", 0, opt).output, "42\n");
    const auto missing = run_shell_command("no_such_prog_tessera_xyz --flag", 0, opt);
    EXPECT_EQ(missing.exit_code, 127);
    EXPECT_NE(missing.output.find("no_such_prog_tessera_xyz"), std::string::npos);
    const auto dir = run_shell_command("/etc", 0, opt);  // not a program: the shell says so
    EXPECT_EQ(dir.exit_code, 126);
  }
  EXPECT_TRUE(no_children());
}
