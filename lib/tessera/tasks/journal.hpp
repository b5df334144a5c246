// tessera/tasks/journal.hpp: the append-only record of finished tasks that makes a farm resumable.
//
// Each rank appends to its own file, PREFIX.rank<N>, one JSON line per finished task (see
// to_json_line), flushed to the kernel after every line (and fsync'ed when asked), so a killed
// rank or job loses no finished result. A resume reads every PREFIX.rank* file, whatever the rank
// count that wrote them, skips torn lines (a record cut by the kill) and keeps one record per task
// id: the first successful one, else the first failed one, else (a retry the deadline held back)
// the pending record of the latest attempt.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "tessera/tasks/task_record.hpp"

namespace tessera::tasks {

// "PREFIX.rank3"
std::string journal_file(const std::string& prefix, int rank);
// The existing PREFIX.rank<N> files, in rank order.
std::vector<std::string> journal_files(const std::string& prefix);
// Removes every PREFIX.rank<N> file (a fresh run that journals under an old prefix).
void remove_journals(const std::string& prefix);
// Throws UsageError when the directory of `prefix` is missing or not writable.
void check_journal_writable(const std::string& prefix);

class JournalWriter {
 public:
  JournalWriter() = default;  // disabled: append() does nothing
  // Opens PREFIX.rank<rank> for appending (created if missing). IoError if it cannot.
  JournalWriter(const std::string& prefix, int rank, bool fsync_each);
  ~JournalWriter();
  JournalWriter(JournalWriter&& o) noexcept;
  JournalWriter& operator=(JournalWriter&& o) noexcept;
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  bool enabled() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // Writes one line and flushes it (fflush; fsync too when fsync_each). IoError on failure.
  void append(const TaskRecord& r);
  void close();

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  bool fsync_ = false;
};

struct JournalContents {
  std::vector<TaskRecord> records;  // one per task id, in file then line order
  std::size_t files = 0;
  std::size_t torn_lines = 0;       // unparsable lines skipped (a kill in the middle of a write)
  std::size_t duplicates = 0;       // further records of an id already seen
};
// Reads every journal file of `prefix` (none: empty contents). Records come back with resumed = true.
JournalContents read_journals(const std::string& prefix);

}  // namespace tessera::tasks
