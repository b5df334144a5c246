// tessera/io/checkpoint.hpp: the checkpoint files of a run in one directory, named by step:
// "<dir>/<prefix>-<step, 8 digits>.h5". Each is written through io::OutputFile (temporary name,
// then rename), so a crash mid-write leaves the earlier ones intact and no half file under the
// final name; list_checkpoints() never returns a temporary.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::io {

struct CheckpointFile {
  std::int64_t step = 0;
  std::string path;
};

std::string checkpoint_path(const std::string& dir, const std::string& prefix, std::int64_t step);
// Committed checkpoints of `prefix` in `dir`, by ascending step (empty when none or no directory).
std::vector<CheckpointFile> list_checkpoints(const std::string& dir, const std::string& prefix);
// Deletes all but the `keep` newest checkpoints among those with step <= up_to_step (files of
// later steps, left by another run, are not touched). Returns the deleted paths. Call on one rank.
std::vector<std::string> prune_checkpoints(const std::string& dir, const std::string& prefix, int keep,
                                           std::int64_t up_to_step);

}  // namespace tessera::io
