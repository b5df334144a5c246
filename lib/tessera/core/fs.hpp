// tessera/core/fs.hpp: output files that never look complete before they are.
#pragma once
#include <string>

namespace tessera::fs {

// The temporary name an output is written under before the final rename: same directory
// (so rename is atomic), deterministic (so every rank of a parallel write agrees on it).
std::string temp_name_for(const std::string& path);
// Atomically replaces `path` by `temp` (rename(2)); throws IoError on failure.
void commit(const std::string& temp, const std::string& path);
// Removes a file if it exists; never throws.
void remove_quietly(const std::string& path);
// Throws UsageError when the directory that would hold `path` does not exist or is not writable.
void check_writable(const std::string& path);
bool exists(const std::string& path);
// Writes `text` to `path` through a temporary name (rank-local, for small files such as JSON).
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace tessera::fs
