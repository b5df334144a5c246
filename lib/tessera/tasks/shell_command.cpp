#include "tessera/tasks/shell_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "tessera/core/timer.hpp"

extern char** environ;

namespace tessera::tasks {

std::string shell_log_path(const std::string& log_dir, std::int64_t task_id, bool err) {
  return log_dir + "/task" + std::to_string(task_id) + (err ? ".err" : ".out");
}

namespace {

// The environment of the child: ours, with `extra` set or replaced.
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const auto& p) {
      return kv.size() > p.first.size() && kv.compare(0, p.first.size(), p.first) == 0 && kv[p.first.size()] == '=';
    });
    if (!replaced) env.push_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

// Keeps the first `limit` bytes read from a pipe and drops the rest.
struct Capture {
  std::string text;
  std::size_t limit;
  // Reads what is available; false at end of file (or on an error other than EAGAIN/EINTR).
  bool read_some(int fd) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(n), limit - std::min(limit, text.size()));
        text.append(buf, keep);
        continue;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }
};

std::string read_head(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string s(limit, '\0');
  in.read(s.data(), static_cast<std::streamsize>(limit));
  s.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  return s;
}

void sleep_seconds(double s) {
  if (s <= 0) return;
  timespec ts;
  ts.tv_sec = static_cast<time_t>(s);
  ts.tv_nsec = static_cast<long>((s - static_cast<double>(ts.tv_sec)) * 1e9);
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

TaskResult not_started(const std::string& why) {
  TaskResult r;
  r.status = TaskStatus::failed;
  r.exit_code = 127;
  r.output = "cannot start command: " + why;
  return r;
}

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

std::vector<std::string> simple_command_words(const std::string& command) {
  // Characters that give a shell something to do; a command without any is plain words.
  static const std::string special = "\"'\\$`|&;<>()*?[]{}~#!=\n\r\t%^";
  if (command.find_first_of(special) != std::string::npos) return {};
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && command[i] == ' ') ++i;
    if (i == command.size()) break;
    const std::size_t end = command.find(' ', i);
    words.push_back(command.substr(i, end == std::string::npos ? std::string::npos : end - i));
    i = end == std::string::npos ? command.size() : end;
  }
  if (words.empty()) return {};
  // Keywords and builtins that only a shell knows (or that must act on the shell itself).
  static const char* shell_only[] = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
                                     "esac", "function", "select", "time", "cd", "exit", "export", "unset", "set",
                                     "source", ".", "eval", "exec", "alias", "unalias", "ulimit", "umask", "wait",
                                     "read", "trap", "shift", "return", "break", "continue", "readonly", "local",
                                     "type", "command", "hash", "jobs", "fg", "bg", "times", "getopts", ":"};
  for (const char* k : shell_only)
    if (words.front() == k) return {};
  return words;
}

TaskResult run_shell_command(const std::string& command, std::int64_t task_id, const ShellOptions& opt) {
  const bool to_files = !opt.log_dir.empty();
  int pipe_fd[2] = {-1, -1};
  if (!to_files && ::pipe2(pipe_fd, O_CLOEXEC) != 0) return not_started(std::string("pipe: ") + std::strerror(errno));

  SpawnSetup s;
  posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  std::string out_path, err_path;
  if (to_files) {
    out_path = shell_log_path(opt.log_dir, task_id, false);
    err_path = shell_log_path(opt.log_dir, task_id, true);
    posix_spawn_file_actions_addopen(&s.actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&s.actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  } else {
    // dup2 clears close-on-exec on 1 and 2; both pipe ends themselves close at exec.
    posix_spawn_file_actions_adddup2(&s.actions, pipe_fd[1], 1);
    posix_spawn_file_actions_adddup2(&s.actions, pipe_fd[1], 2);
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // The command gets stdin/stdout/stderr and nothing else of ours (MPI sockets, shared memory).
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
#endif
  // Own process group (the timeout signals all of it); default signal handling and an empty mask,
  // whatever the MPI library did to ours.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM})
    sigaddset(&defaults, sig);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &defaults);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  const std::vector<std::string> env = child_environment(opt.env);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string sh = opt.shell, dash_c = "-c", cmd = command;
  char* sh_argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  pid_t pid = -1;
  int rc = ENOENT;
  std::vector<std::string> words = opt.direct_simple ? simple_command_words(command) : std::vector<std::string>{};
  if (!words.empty()) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    // PATH as the command will see it (opt.env may set it)
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& e : env)
      if (e.compare(0, 5, "PATH=") == 0) path = e.substr(5);
    std::string exe;
    if (words.front().find('/') != std::string::npos) {
      exe = words.front();
    } else {
      std::size_t start = 0;
      while (exe.empty() && start <= path.size()) {
        const std::size_t colon = path.find(':', start);
        const std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        const std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + words.front();
        if (::access(cand.c_str(), X_OK) == 0) exe = cand;
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    }
    // not found or not runnable: the shell says so (exit 127 and its message), as it would have
    if (!exe.empty()) rc = posix_spawn(&pid, exe.c_str(), &s.actions, &s.attr, argv.data(), envp.data());
  }
  if (rc != 0) rc = posix_spawn(&pid, sh.c_str(), &s.actions, &s.attr, sh_argv, envp.data());
  if (!to_files) ::close(pipe_fd[1]);
  if (rc != 0) {
    if (!to_files) ::close(pipe_fd[0]);
    return not_started(std::strerror(rc));
  }

  // A pidfd (Linux 5.3+) to wait for the exit without polling; the older kernels back off instead.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  Capture cap{{}, opt.capture_limit};
  bool eof = to_files;
  if (!eof) ::fcntl(pipe_fd[0], F_SETFL, ::fcntl(pipe_fd[0], F_GETFL) | O_NONBLOCK);
  const double t0 = wtime();
  bool timed_out = false, killed = false;
  double kill_at = 0, backoff = 50e-6;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {  // cannot happen for our own child; do not spin
      status = 0;
      break;
    }
    const double now = wtime();
    if (opt.timeout > 0 && !timed_out && now - t0 >= opt.timeout) {
      timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + opt.kill_grace;
    }
    if (timed_out && !killed && now >= kill_at) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    // Sleep until output arrives, the next deadline, or a short while (to notice the exit).
    double wait = 0.01;
    if (opt.timeout > 0 && !timed_out) wait = std::min(wait, t0 + opt.timeout - now);
    if (timed_out && !killed) wait = std::min(wait, kill_at - now);
    if (pidfd >= 0) {
      // The child's pidfd becomes readable when it exits: sleep on it (and the output) at once.
      pollfd p[2] = {{pidfd, POLLIN, 0}, {eof ? -1 : pipe_fd[0], POLLIN, 0}};
      const int ms = std::max(0, static_cast<int>(wait * 1000.0 + 0.5));
      if (::poll(p, 2, ms) > 0 && !eof && (p[1].revents & (POLLIN | POLLHUP)) && !cap.read_some(pipe_fd[0])) eof = true;
    } else if (!eof) {
      pollfd p{pipe_fd[0], POLLIN, 0};
      const int ms = std::max(0, static_cast<int>(wait * 1000.0 + 0.5));
      if (::poll(&p, 1, ms) > 0 && !cap.read_some(pipe_fd[0])) eof = true;
    } else {
      // output closed (or in files): the process is exiting or busy; back off from 50 us to 10 ms
      sleep_seconds(std::min(wait, backoff));
      backoff = std::min(backoff * 2, 0.01);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  if (timed_out) ::kill(-pid, SIGKILL);  // whatever the command started is gone too
  if (!eof) {
    cap.read_some(pipe_fd[0]);  // what is left (a background child may still hold the pipe: no wait)
  }
  if (!to_files) ::close(pipe_fd[0]);

  TaskResult r;
  if (timed_out) {
    r.status = TaskStatus::timeout;
    r.exit_code = timeout_exit_code;
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    r.status = r.exit_code == 0 ? TaskStatus::ok : TaskStatus::failed;
  } else if (WIFSIGNALED(status)) {
    r.exit_code = 128 + WTERMSIG(status);
    r.status = TaskStatus::failed;
  } else {
    r.status = TaskStatus::failed;
    r.exit_code = -1;
  }
  if (to_files) {
    r.output = read_head(out_path, opt.capture_limit);
    if (r.output.size() < opt.capture_limit) r.output += read_head(err_path, opt.capture_limit - r.output.size());
  } else {
    r.output = std::move(cap.text);
  }
  return r;
}

}  // namespace tessera::tasks
