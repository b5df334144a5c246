// tessera/io/output_file.hpp: a parallel HDF5 output that only appears under its name when complete.
//
// The file is created under a unique temporary name beside the target (fs::create_temporary_for:
// rank 0 creates it exclusively and every rank opens that name), and renamed onto the target by
// commit(), which first checks that flush and close succeeded on every rank. Two runs aimed at one
// name therefore never share a file: each writes its own whole, and the last rename wins.
//
// Destroyed without commit() or discard() (an exception on this rank), it makes no collective call:
// it abandons the HDF5 file (see io::File) and removes the temporary, so an error never leaves a
// file that looks valid and never hangs the other ranks; mpi::Environment's policy ends the job.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tessera/io/hdf5.hpp"

namespace tessera::io {

// What every Tessera file records about the run that made it (root-group attributes; the set and
// its meaning are documented in docs/file-format.md).
struct Provenance {
  std::string app;            // "mapblocks" (the program is tessera-<app>)
  std::string command_line;
  int ranks = 1;
  int threads = 1;
  std::string grid;           // "2x2", empty if none ("none" in the file)
  std::string kind = "result";    // "result" or "checkpoint"
  std::string verified = "VERIFIED";  // "VERIFIED", "FAILED" or "unverified" (checkpoints)
};
// The format of the files (root attribute tessera_format): 2 = netCDF-4/CF (docs/file-format.md).
inline constexpr std::int64_t file_format = 2;
// Writes the provenance set on the root group: Conventions, title, source, history, program, app,
// version, git_hash, ranks, threads, grid, command_line, created_utc, kind, verified, mpi_library,
// hdf5_version, tessera_format. Collective. UsageError for a kind or verdict outside the lists.
void write_provenance(const File& f, const Provenance& p);
// The attributes write_provenance writes, each with whether it is a string (else int64): what
// tessera-inspect --validate requires on the root group.
const std::vector<std::pair<std::string, bool>>& provenance_attributes();

class OutputFile {
 public:
  // Collective. Throws UsageError (every rank) when the directory is missing or not writable.
  OutputFile(const mpi::Comm& comm, std::string final_path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  File& file() { return file_; }
  const std::string& path() const { return final_; }
  const std::string& temp_path() const { return temp_; }
  // Flushes, closes and renames to the final name (collective). With `sync` (the default) the
  // data reach stable storage first (H5Fflush: MPI_File_sync, i.e. fsync), so that a crash never
  // leaves a file under the final name whose data are not on disk; sync=false only closes (the
  // data may still sit in the page cache when the name appears).
  // Any rank failing to flush, close or rename makes every rank throw IoError (exit 3) naming the
  // output; nothing appears under the final name then.
  void commit(bool sync = true);
  // Collective: closes and removes the temporary (a result that failed verification). Nothing
  // appears under the final name, and an existing file there is left as it was.
  void discard();
  bool committed() const { return committed_; }

 private:
  void forget() noexcept;
  mpi::Comm comm_;
  std::string final_, temp_;
  File file_;
  bool committed_ = false, done_ = false;
};

}  // namespace tessera::io
