// tessera/io/checkpoint.hpp: checkpoint and restart for any solver built on DistArrays.
//
// A checkpoint is one HDF5 file holding a set of distributed arrays (/fields/<name>), their
// checksums, and whatever attributes and datasets the caller adds (parameters, step, history). It
// is written through io::OutputFile (unique temporary name, then rename), so a crash mid-write
// leaves the earlier ones intact and no half file under the final name. Each array carries
//   /checksums/<name>/block_lo, block_hi  the writing layout's blocks (global boxes, dims per block;
//                                         dimension block_bound)
//   /checksums/<name>/block_sum           array::bitwise_block_checksums over those blocks (dimension block)
//   attribute "checksum" on /fields/<name> the whole array's array::bitwise_checksum (hex)
// and reads back onto any layout (rank count, process grid): the reader recomputes every recorded
// block's checksum on its own layout and names the first block that differs.
//
//   io::CheckpointWriter w(comm, io::checkpoint_path(dir, "mysolver", step), provenance);
//   w.add("u", u);  w.add("v", v);
//   io::write_attr(w.file(), "/", "step", step);
//   w.commit();
//   ...
//   io::CheckpointReader r(comm, path);              // UsageError if it is not a checkpoint
//   const auto step = io::read_attr_int(r.file(), "/", "step");
//   r.read("u", u);  r.read("v", v);                 // any layout; UsageError when damaged
//   r.close();
//
// The files of a run live in one directory, named by step: "<dir>/<prefix>-<step, 8 digits>.h5";
// list_checkpoints() never returns a temporary; prune_checkpoints() removes a checkpoint's .xmf with it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/output_file.hpp"

namespace tessera::io {

// Collective over `comm` throughout.
class CheckpointWriter {
 public:
  // Opens the temporary, writes `prov` as a checkpoint's (kind "checkpoint", verified "unverified").
  CheckpointWriter(const mpi::Comm& comm, const std::string& path, const Provenance& prov);
  // For the caller's own attributes and datasets.
  const File& file() { return out_.file(); }
  // Writes `a` to /fields/<name> (contiguous, every rank its block) along `coordinates` (netCDF
  // dimensions in /fields, shared by the arrays; index coordinates z, y, x when empty) with its
  // checksums; returns the whole array's checksum.
  std::uint64_t add(const std::string& name, const array::DistArray<double>& a,
                    const std::vector<nc::Coordinate>& coordinates = {});
  // Flush and close checked on every rank, then the file appears under its final name.
  void commit() { out_.commit(); }
  const std::string& path() const { return out_.path(); }

 private:
  OutputFile out_;
};

class CheckpointReader {
 public:
  // UsageError when the file is missing, not HDF5 or not a checkpoint (no kind = "checkpoint").
  CheckpointReader(const mpi::Comm& comm, const std::string& path);
  const File& file() const { return file_; }
  // Reads /fields/<name> into `a` (whose layout may differ from the writer's: same global shape),
  // then checks every block checksum the writer recorded and the whole checksum (checkpoints of the
  // first format, tessera-heat's before this class: /checksums/block_* and no checksum attribute, or
  // no block checksums at all, are read too; the caller's own checksum covers them). UsageError naming
  // the first damaged block ("block B [lo, hi) has checksum X, the file records Y"). Returns the
  // whole array's checksum.
  std::uint64_t read(const std::string& name, array::DistArray<double>& a);
  void close() { file_.close(); }

 private:
  File file_;
};

// "0123456789abcdef" (16 digits), the form checksums take in files and messages.
std::string hex64(std::uint64_t v);

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
