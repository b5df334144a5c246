// tessera/core/log.hpp: rank-aware logging. Rank 0 speaks by default; errors come from every rank.
#pragma once
#include <fmt/core.h>

#include <string>
#include <utility>

namespace tessera::log {

enum class Level { quiet = 0, normal = 1, verbose = 2 };

void set_level(Level level);
Level level();
// Called by mpi::Environment once the rank is known; -1 before MPI is up.
void set_rank(int rank);
int rank();

void write_info(const std::string& line);     // rank 0, unless quiet
void write_debug(const std::string& line);    // rank 0, only when verbose
void write_warn(const std::string& line);     // rank 0, to stderr, "warning: "
void write_error(const std::string& line);    // this rank, to stderr, "error (rank N): "
void write_all(const std::string& line);      // every rank, prefixed "[rank N] ", when verbose

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write_info(fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::verbose) write_debug(fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write_warn(fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write_error(fmt::format(f, std::forward<Args>(args)...));
}

// True when this process's stdout is a terminal.
bool stdout_is_terminal();
// True when a progress line printed by this process would reach a person. Open MPI gives every
// rank a pseudo-terminal as stdout even when mpirun's own output goes to a file (a batch job), so
// isatty() alone says yes there; under a launcher this also asks whether the launcher's stdout
// (the parent process's) is a terminal, when that can be read.
bool progress_reaches_terminal();

}  // namespace tessera::log
