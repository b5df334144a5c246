// tessera/io/array_io.hpp: collective HDF5 write and read of a DistArray, as hyperslabs.
//
// The HDF5 chunk shape follows the array's chunk shape, so each rank writes whole HDF5 chunks.
// Reading works whatever layout (ranks, chunks) wrote the file: each rank reads its own box.
#pragma once
#include <string>

#include "tessera/array/dist_array.hpp"
#include "tessera/io/hyperslab.hpp"
#include "tessera/io/netcdf.hpp"

namespace tessera::io {

struct ArrayWriteOptions {
  int deflate = 0;            // 0 none, 1-9 gzip level
  std::string units = "1";    // CF units (udunits syntax)
  std::string long_name;      // CF long_name; the dataset's name when empty
  // The dimensions (docs/file-format.md): coordinate variables in the dataset's group, written
  // unless already there. Empty: index coordinates named z, y, x (dim_z, ... when the dataset
  // itself is called x, y or z; <name>_y, ... where the group's y is of another length).
  std::vector<nc::Coordinate> coordinates;
};

// The default dimension names of an array written at `path` with `ndims` dimensions.
inline std::vector<std::string> default_dims(const std::string& path, int ndims) {
  auto dims = nc::spatial_dims(ndims);
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (name == "x" || name == "y" || name == "z")
    for (auto& d : dims) d = "dim_" + d;
  return dims;
}

// Memory layout of a DistArray's owned box inside its ghosted allocation.
template <typename T>
MemoryLayout memory_layout(const array::DistArray<T>& a) {
  MemoryLayout m;
  for (int d = 0; d < a.ndims(); ++d) {
    m.alloc[d] = a.alloc_extent(d);
    m.offset[d] = a.ghost();
  }
  return m;
}

// Collective: every rank of a.comm() calls it (ranks owning nothing too).
template <typename T>
void write_array(const File& f, const std::string& path, const array::DistArray<T>& a,
                 const ArrayWriteOptions& opt = {}) {
  const auto& L = a.layout();
  Handle ds = create_dataset(f, path, h5type<T>(), L.shape(), L.chunk_shape(), opt.deflate);
  write_box(f, ds, a.box(), a.data(), memory_layout(a));
  ds.reset();
  write_attr(f, path, "chunks", std::vector<std::int64_t>(L.chunk_shape().begin(), L.chunk_shape().end()));
  write_attr(f, path, "process_grid", L.grid().to_string());
  write_attr(f, path, "layout", "row-major, block-distributed by whole chunks");
  nc::write_dimensions(f, path,
                       opt.coordinates.empty() ? nc::index_coordinates_for(f, path, default_dims(path, a.ndims()), L.shape())
                                               : opt.coordinates);
  nc::describe(f, path, opt.units.empty() ? "1" : opt.units,
               opt.long_name.empty() ? path.substr(path.find_last_of('/') + 1) : opt.long_name);
}

// Checks that `path` is a dataset of `shape` holding T; UsageError naming the mismatch otherwise.
template <typename T>
void check_dataset(const File& f, const std::string& path, const std::vector<Index>& shape) {
  const auto info = dataset_info(f, path);
  if (info.shape.size() != shape.size())
    throw UsageError("dataset '" + path + "' in '" + f.path() + "' has " + std::to_string(info.shape.size()) +
                     " dimensions, expected " + std::to_string(shape.size()));
  if (info.shape != shape)
    throw UsageError("dataset '" + path + "' in '" + f.path() + "' has shape " + shape_to_string(info.shape) +
                     ", expected " + shape_to_string(shape));
  Handle want = make_type_handle(check(H5Tcopy(h5type<T>()), "H5Tcopy"));
  const std::string want_name = dtype_name(want);
  if (info.dtype != want_name)
    throw UsageError("dataset '" + path + "' in '" + f.path() + "' holds " + info.dtype + ", expected " + want_name);
}

// Collective read into an existing array; the dataset must have the array's global shape and type.
template <typename T>
void read_array(const File& f, const std::string& path, array::DistArray<T>& a) {
  f.comm().collective_check([&] { check_dataset<T>(f, path, a.layout().shape()); });
  Handle ds = f.open_dataset(path);
  read_box(f, ds, a.box(), a.data(), memory_layout(a));
}

}  // namespace tessera::io
