// tessera/tasks/task_record.hpp: what one task returns and what the farm records about it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace tessera::tasks {

// Stored as an integer code (the HDF5 table carries the mapping as an attribute).
enum class TaskStatus : int { ok = 0, failed = 1, timeout = 2 };
const char* to_string(TaskStatus s);
// "ok" / "failed" / "timeout"; nullopt for anything else.
std::optional<TaskStatus> status_from_string(const std::string& s);
// "0=ok,1=failed,2=timeout": the mapping written beside the status column.
std::string status_legend();

// What a task function returns. A task that throws is recorded as failed with the exception text.
struct TaskResult {
  TaskStatus status = TaskStatus::ok;
  int exit_code = 0;
  std::string output;       // short text (truncated by the farm to FarmOptions::output_limit bytes)
  std::int64_t result = 0;  // the task's numeric result (kernels: a count, a residue, a checksum)
};

// One finished task.
struct TaskRecord {
  std::int64_t id = -1;
  std::string input;        // what the task was given (a command line, "n=20000", "row 17")
  int rank = -1;            // the rank that ran it
  std::string node;         // the host it ran on
  int attempts = 1;         // runs it took (1 + retries used); the record is of the last one
  double start = 0;         // seconds since the start of the run that ran it
  double duration = 0;      // seconds
  TaskStatus status = TaskStatus::ok;
  int exit_code = 0;
  std::string output;
  std::int64_t result = 0;
  bool resumed = false;     // taken from a journal, not run by this run
  // Journal only: this attempt failed and the task has retries left, but the deadline held the
  // next attempt back. Not a finished task: a resume runs it again, counting on from `attempts`.
  bool retry_pending = false;

  bool ok() const { return status == TaskStatus::ok; }
};

// One JSON object on one line (no trailing newline); invalid UTF-8 in strings is replaced.
std::string to_json_line(const TaskRecord& r);
// Parses a line written by to_json_line; nullopt for a torn or foreign line.
std::optional<TaskRecord> from_json_line(const std::string& line);

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence; NUL bytes become '?'.
std::string clip_output(const std::string& text, std::size_t limit);

}  // namespace tessera::tasks
