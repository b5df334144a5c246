#include "tessera/io/checkpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "tessera/array/checksum.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/hyperslab.hpp"
#include "tessera/io/vector_io.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/xdmf.hpp"

namespace tessera::io {
namespace stdfs = std::filesystem;

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

CheckpointWriter::CheckpointWriter(const mpi::Comm& comm, const std::string& path, const Provenance& prov)
    : out_(comm, path) {
  Provenance p = prov;
  p.kind = "checkpoint";
  p.verified = "unverified";  // the state of a run still going
  write_provenance(out_.file(), p);
}

std::uint64_t CheckpointWriter::add(const std::string& name, const array::DistArray<double>& a,
                                    const std::vector<nc::Coordinate>& coordinates) {
  const std::string path = "/fields/" + name, sums = "/checksums/" + name;
  // One checksum per block of the writing layout, so a reader on any layout names the damaged part.
  const auto& L = a.layout();
  std::vector<Box> blocks;
  for (int r = 0; r < a.comm().size(); ++r) blocks.push_back(L.box_of(r));
  const auto block_sums = array::bitwise_block_checksums(a, blocks);
  const std::uint64_t whole = array::bitwise_checksum(a);
  std::vector<std::int64_t> lo, hi;
  for (const auto& b : blocks)
    for (int d = 0; d < b.ndims; ++d) lo.push_back(b.lo[d]), hi.push_back(b.hi[d]);
  const File& f = out_.file();
  {
    // Contiguous (not chunked by the layout's blocks): every rank writes its box collectively.
    Handle ds = create_dataset(f, path, h5type<double>(), L.shape());
    write_box(f, ds, a.box(), a.data(), memory_layout(a));
  }
  nc::write_dimensions(f, path,
                       coordinates.empty() ? nc::index_coordinates_for(f, path, nc::spatial_dims(a.ndims()), L.shape())
                                           : coordinates);
  write_attr(f, path, "checksum", hex64(whole));
  f.require_group(sums);
  nc::write_coordinate(f, sums, nc::Coordinate::indices("block", static_cast<Index>(block_sums.size()),
                                                        "block of the writing layout"));
  nc::write_coordinate(f, sums, nc::Coordinate::indices("block_bound", static_cast<Index>(lo.size()),
                                                        "block * dims + dimension"));
  nc::write_series(f, sums + "/block_lo", lo, "block_bound", "1", "lower global index of each block, per dimension");
  nc::write_series(f, sums + "/block_hi", hi, "block_bound", "1",
                   "upper (exclusive) global index of each block, per dimension");
  nc::write_series(f, sums + "/block_sum", block_sums, "block", "1", "bitwise checksum of each block");
  write_attr(f, sums, "comment",
             "per block of the writing layout: lower and upper (exclusive) global index, dims values per block; "
             "block_sum: sum mod 2^64 of splitmix64(bits(value) ^ splitmix64(linear index)) over the block");
  return whole;
}

CheckpointReader::CheckpointReader(const mpi::Comm& comm, const std::string& path)
    : file_(File::open(comm, path, Mode::read)) {
  comm.collective_check([&] {
    const std::string kind = has_attr(file_, "/", "kind") ? read_attr_string(file_, "/", "kind") : "";
    if (kind != "checkpoint") throw UsageError("'" + path + "' is not a checkpoint (kind '" + kind + "')");
  });
}

std::uint64_t CheckpointReader::read(const std::string& name, array::DistArray<double>& a) {
  const std::string path = "/fields/" + name, sums = "/checksums/" + name;
  const auto& comm = a.comm();
  const int nd = a.ndims();
  std::vector<std::int64_t> lo, hi;
  std::vector<std::uint64_t> want;
  std::uint64_t whole = 0;
  bool has_whole = false;
  std::string where = sums;  // the block checksums: this array's, or the one set of the first format
  comm.collective_check([&] {
    if (!file_.exists(path)) throw UsageError("the checkpoint holds no " + path);
    // Checkpoints written before io::CheckpointWriter (tessera-heat up to 0.1.0 of 2026-12-01) hold
    // one field with its block checksums at /checksums/block_* and no checksum attribute; they are
    // read and checked the same way (the caller's own whole-field checksum still applies).
    // Older still: no block checksums at all; then only the caller's whole-field checksum applies.
    if (!file_.exists(where + "/block_sum") && file_.exists("/checksums/block_sum")) where = "/checksums";
    has_whole = has_attr(file_, path, "checksum");
    if (!file_.exists(where + "/block_sum")) {
      if (has_whole) throw UsageError("the checkpoint holds no block checksums for " + path);
      where.clear();
    }
    if (has_whole) whole = std::stoull(read_attr_string(file_, path, "checksum"), nullptr, 16);
  });
  read_array(file_, path, a);
  if (where.empty()) return array::bitwise_checksum(a);
  comm.collective_check([&] {
    lo = read_vector<std::int64_t>(file_, where + "/block_lo");
    hi = read_vector<std::int64_t>(file_, where + "/block_hi");
    want = read_vector<std::uint64_t>(file_, where + "/block_sum");
    if (lo.size() != hi.size() || lo.size() != want.size() * static_cast<size_t>(nd))
      throw UsageError("the " + where + " datasets have inconsistent lengths");
  });
  std::vector<Box> blocks;
  for (size_t b = 0; b < want.size(); ++b) {
    Extents l{0, 0, 0}, h{1, 1, 1};
    for (int d = 0; d < nd; ++d) {
      l[d] = lo[b * static_cast<size_t>(nd) + static_cast<size_t>(d)];
      h[d] = hi[b * static_cast<size_t>(nd) + static_cast<size_t>(d)];
    }
    blocks.emplace_back(nd, l, h);
  }
  const auto got = array::bitwise_block_checksums(a, blocks);
  for (size_t b = 0; b < want.size(); ++b)
    if (got[b] != want[b])
      throw UsageError(path + ": block " + std::to_string(b) + " " + blocks[b].to_string() + " has checksum " +
                       hex64(got[b]) + ", the file records " + hex64(want[b]) + ": the checkpoint is corrupt");
  const std::uint64_t sum = array::bitwise_checksum(a);
  if (has_whole && sum != whole)
    throw UsageError(path + ": checksum " + hex64(sum) + " differs from the recorded " + hex64(whole) +
                     ": the checkpoint is corrupt");
  return sum;
}

std::string checkpoint_path(const std::string& dir, const std::string& prefix, std::int64_t step) {
  char num[32];
  std::snprintf(num, sizeof num, "%08lld", static_cast<long long>(step));
  return (stdfs::path(dir.empty() ? "." : dir) / (prefix + "-" + num + ".h5")).string();
}

std::vector<CheckpointFile> list_checkpoints(const std::string& dir, const std::string& prefix) {
  std::vector<CheckpointFile> out;
  std::error_code ec;
  const std::string head = prefix + "-";
  for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= head.size() + 3 || name.compare(0, head.size(), head) != 0) continue;
    if (name.compare(name.size() - 3, 3, ".h5") != 0) continue;
    const std::string digits = name.substr(head.size(), name.size() - head.size() - 3);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!it->is_regular_file(ec)) continue;
    out.push_back({std::stoll(digits), it->path().string()});
  }
  std::sort(out.begin(), out.end(), [](const CheckpointFile& a, const CheckpointFile& b) { return a.step < b.step; });
  return out;
}

std::vector<std::string> prune_checkpoints(const std::string& dir, const std::string& prefix, int keep,
                                           std::int64_t up_to_step) {
  std::vector<std::string> removed;
  auto all = list_checkpoints(dir, prefix);
  all.erase(std::remove_if(all.begin(), all.end(), [&](const CheckpointFile& c) { return c.step > up_to_step; }),
            all.end());
  const long long excess = static_cast<long long>(all.size()) - std::max(keep, 1);
  for (long long i = 0; i < excess; ++i) {
    fs::remove_quietly(all[static_cast<size_t>(i)].path);
    fs::remove_quietly(xdmf_path_for(all[static_cast<size_t>(i)].path));  // its sidecar, if any
    removed.push_back(all[static_cast<size_t>(i)].path);
  }
  return removed;
}

}  // namespace tessera::io
