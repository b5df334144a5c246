// tessera/core/fs.hpp: output files that never look complete before they are.
//
// Every output is written under a temporary name beside its final name and renamed onto it only
// when complete (commit). Temporary names are unique per writer (host, pid, a random part) and
// created exclusively (O_CREAT|O_EXCL), so two runs aimed at one name never share one: each writes
// its own file whole, and the last rename wins. The temporaries a process holds are registered, so
// a fatal I/O error can remove them before the job ends (remove_registered_temporaries).
#pragma once
#include <string>
#include <vector>

namespace tessera::fs {

// The prefix every temporary of `path` starts with: "<dir>/.<name>." (hidden, same directory so
// rename is atomic). Temporaries end in ".partial".
std::string temp_prefix_for(const std::string& path);
// True when `name` (a file name, no directory) is a Tessera temporary (".*.partial").
bool is_temporary_name(const std::string& name);
// Creates a new, empty, unique temporary for `path` exclusively and returns its name:
// "<dir>/.<name>.<host>-<pid>-<random>.partial". Throws IoError (naming `path`) when it cannot.
std::string create_temporary_for(const std::string& path);
// The temporaries of `path` that exist now (any writer's), sorted.
std::vector<std::string> temporaries_of(const std::string& path);
// Atomically replaces `path` by `temp` (rename(2)); throws IoError on failure.
void commit(const std::string& temp, const std::string& path);
// Removes a file if it exists; never throws.
void remove_quietly(const std::string& path);
// Throws UsageError when the directory that would hold `path` does not exist or is not writable.
void check_writable(const std::string& path);
bool exists(const std::string& path);
// fsync(2) of an existing file: its data reach stable storage. IoError naming it on failure.
void sync_file(const std::string& path);
// Writes `text` to `path` through a unique temporary (rank-local, for small files such as JSON).
// Write, flush and close errors throw IoError naming `path`; the temporary is then removed.
void write_text_atomically(const std::string& path, const std::string& text);

// The registry of temporaries this process is writing (thread-safe). register_temporary records
// `temp` (to become `final_path`); forget_temporary drops it after commit or removal.
void register_temporary(const std::string& temp, const std::string& final_path);
void forget_temporary(const std::string& temp);
// The final names of the registered temporaries (for error messages).
std::vector<std::string> registered_outputs();
// Removes every registered temporary and forgets them. Safe to call on the way to MPI_Abort.
void remove_registered_temporaries() noexcept;

}  // namespace tessera::fs
