#include "tessera/io/hyperslab.hpp"

#include <algorithm>

namespace tessera::io {

namespace {
// Selects the box in a file space and the matching region in a memory space (or nothing).
void select(const Box& box, const MemoryLayout& mem, hid_t file_space, hid_t mem_space) {
  if (box.empty()) {
    check(H5Sselect_none(file_space), "H5Sselect_none");
    check(H5Sselect_none(mem_space), "H5Sselect_none");
    return;
  }
  hsize_t fstart[max_dims], count[max_dims], mstart[max_dims];
  for (int d = 0; d < box.ndims; ++d) {
    fstart[d] = static_cast<hsize_t>(box.lo[d]);
    count[d] = static_cast<hsize_t>(box.extent(d));
    mstart[d] = static_cast<hsize_t>(mem.offset[d]);
  }
  check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, fstart, nullptr, count, nullptr), "H5Sselect_hyperslab (file)");
  check(H5Sselect_hyperslab(mem_space, H5S_SELECT_SET, mstart, nullptr, count, nullptr), "H5Sselect_hyperslab (memory)");
}

Handle memory_space(const Box& box, const MemoryLayout& mem) {
  hsize_t dims[max_dims];
  for (int d = 0; d < box.ndims; ++d) dims[d] = static_cast<hsize_t>(std::max<Index>(1, mem.alloc[d]));
  return make_space_handle(check(H5Screate_simple(box.ndims, dims, nullptr), "H5Screate_simple"));
}

// The transfer property list for one dataset. Every rank always makes the HDF5 call collectively;
// for an unfiltered chunked dataset the bytes then move with independent MPI-IO: each rank's box
// is made of whole HDF5 chunks (the chunking follows the array's chunks), i.e. of large contiguous
// pieces of the file, and two-phase aggregation would only copy them between ranks first.
// Filtered (compressed) datasets keep fully collective I/O, which parallel HDF5 requires for them.
Handle transfer_for(const File& f, hid_t ds) {
  Handle xfer = transfer_plist(f);
  if (!f.parallel()) return xfer;
  Handle dcpl = make_plist_handle(check(H5Dget_create_plist(ds), "H5Dget_create_plist"));
  if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_nfilters(dcpl) == 0)
    check(H5Pset_dxpl_mpio_collective_opt(xfer, H5FD_MPIO_INDIVIDUAL_IO), "H5Pset_dxpl_mpio_collective_opt");
  return xfer;
}

void check_rank(hid_t file_space, const Box& box) {
  const int nd = H5Sget_simple_extent_ndims(file_space);
  if (nd != box.ndims)
    throw UsageError("dataset has " + std::to_string(nd) + " dimensions, expected " + std::to_string(box.ndims));
}
}  // namespace

void write_box(const File& f, hid_t ds, hid_t mem_type, const Box& box, const void* data, const MemoryLayout& mem) {
  Handle fspace = make_space_handle(check(H5Dget_space(ds), "H5Dget_space"));
  check_rank(fspace, box);
  Handle mspace = memory_space(box, mem);
  select(box, mem, fspace, mspace);
  Handle xfer = transfer_for(f, ds);
  check(H5Dwrite(ds, mem_type, mspace, fspace, xfer, box.empty() ? nullptr : data), "H5Dwrite");
}

void read_box(const File& f, hid_t ds, hid_t mem_type, const Box& box, void* data, const MemoryLayout& mem) {
  Handle fspace = make_space_handle(check(H5Dget_space(ds), "H5Dget_space"));
  check_rank(fspace, box);
  Handle mspace = memory_space(box, mem);
  select(box, mem, fspace, mspace);
  Handle xfer = transfer_for(f, ds);
  check(H5Dread(ds, mem_type, mspace, fspace, xfer, box.empty() ? nullptr : data), "H5Dread");
}

Handle create_dataset(const File& f, const std::string& path, hid_t type, const std::vector<Index>& shape,
                      const std::vector<Index>& chunks, int deflate) {
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) f.require_group(path.substr(0, slash));
  const int nd = static_cast<int>(shape.size());
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space = make_space_handle(check(H5Screate_simple(nd, dims.data(), nullptr), "H5Screate_simple"));
  Handle dcpl = make_plist_handle(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"));
  if (!chunks.empty() || deflate > 0) {
    std::vector<hsize_t> ch(static_cast<size_t>(nd));
    const size_t esize = H5Tget_size(type);
    hsize_t bytes = esize;
    for (int d = 0; d < nd; ++d) {
      const Index c = chunks.empty() ? shape[static_cast<size_t>(d)] : chunks[static_cast<size_t>(d)];
      ch[static_cast<size_t>(d)] = static_cast<hsize_t>(std::clamp<Index>(c, 1, shape[static_cast<size_t>(d)]));
      bytes = checked_mul<hsize_t>(bytes, ch[static_cast<size_t>(d)], "HDF5 chunk bytes");
    }
    // HDF5 chunks must stay below 4 GiB: halve the largest dimension until they do.
    while (bytes >= (hsize_t{1} << 32)) {
      auto it = std::max_element(ch.begin(), ch.end());
      bytes /= *it;
      *it = (*it + 1) / 2;
      bytes *= *it;
    }
    check(H5Pset_chunk(dcpl, nd, ch.data()), "H5Pset_chunk");
    if (deflate > 0) check(H5Pset_deflate(dcpl, static_cast<unsigned>(std::min(deflate, 9))), "H5Pset_deflate");
  }
  // No fill values (the data is written anyway), except for variable-length types, which HDF5 must fill.
  const bool variable = H5Tis_variable_str(type) > 0 || H5Tdetect_class(type, H5T_VLEN) > 0;
  if (!variable) check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
  if (f.parallel()) check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
  if (f.exists(path)) check(H5Ldelete(f.id(), path.c_str(), H5P_DEFAULT), "cannot replace " + path);
  return make_dataset_handle(
      check(H5Dcreate2(f.id(), path.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "cannot create dataset " + path));
}

}  // namespace tessera::io
