// tessera/core/error.hpp: the one exception type of the library, with the exit code it maps to.
#pragma once
#include <stdexcept>
#include <string>

namespace tessera {

// Exit codes shared by every app (see DESIGN.md).
enum class ExitCode : int {
  ok = 0,
  verification_failed = 1,
  usage = 2,    // bad usage or bad input
  runtime = 3,  // runtime or I/O error
  preempted = 75,  // checkpointed on a signal: the job script may requeue (EX_TEMPFAIL)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::runtime)
      : std::runtime_error(what), code_(code) {}
  ExitCode code() const noexcept { return code_; }
  int exit_code() const noexcept { return static_cast<int>(code_); }

 private:
  ExitCode code_;
};

// Bad usage or bad input: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what, ExitCode::usage) {}
};

// I/O failure (file system, HDF5): exit code 3.
class IoError : public Error {
 public:
  explicit IoError(const std::string& what) : Error(what, ExitCode::runtime) {}
};

// Throws UsageError(message) unless cond holds.
inline void require(bool cond, const std::string& message) {
  if (!cond) throw UsageError(message);
}

}  // namespace tessera
