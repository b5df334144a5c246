#include "tessera/core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tessera::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::normal)};
std::atomic<int> g_rank{-1};

// One write per line: stderr is unbuffered, and mpirun interleaves the ranks' output between
// separate writes, so text and newline written apart can end up on different lines.
void put(std::FILE* f, const std::string& s) {
  const std::string line = s + '\n';
  std::fwrite(line.data(), 1, line.size(), f);
  std::fflush(f);
}
bool is_root() { return g_rank.load() <= 0; }
}  // namespace

void set_level(Level l) { g_level = static_cast<int>(l); }
Level level() { return static_cast<Level>(g_level.load()); }
void set_rank(int r) { g_rank = r; }
int rank() { return g_rank.load(); }

void write_info(const std::string& line) {
  if (is_root() && level() >= Level::normal) put(stdout, line);
}
void write_debug(const std::string& line) {
  if (is_root() && level() >= Level::verbose) put(stdout, line);
}
void write_warn(const std::string& line) {
  if (is_root()) put(stderr, "warning: " + line);
}
void write_error(const std::string& line) {
  const int r = g_rank.load();
  put(stderr, r >= 0 ? fmt::format("error (rank {}): {}", r, line) : "error: " + line);
}
void write_all(const std::string& line) {
  if (level() >= Level::verbose) put(stdout, fmt::format("[rank {}] {}", g_rank.load(), line));
}
bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

bool progress_reaches_terminal() {
  if (!stdout_is_terminal()) return false;
  char link[256] = {0};
  const std::string parent_stdout = "/proc/" + std::to_string(::getppid()) + "/fd/1";
  const ssize_t n = ::readlink(parent_stdout.c_str(), link, sizeof link - 1);
  if (n <= 0) return std::getenv("OMPI_COMM_WORLD_RANK") == nullptr;  // cannot tell: trust isatty off mpirun
  const std::string target(link, static_cast<size_t>(n));
  return target.rfind("/dev/pts/", 0) == 0 || target.rfind("/dev/tty", 0) == 0;
}

}  // namespace tessera::log
