// tessera/io/hyperslab.hpp: collective reads and writes of boxes of a dataset.
// Every rank of the file's communicator calls these, also a rank whose box is empty: it selects
// nothing (H5Sselect_none) and still takes part in the collective transfer.
#pragma once
#include "tessera/core/box.hpp"
#include "tessera/io/hdf5.hpp"

namespace tessera::io {

// Where the box's elements live in memory: a row-major buffer of `alloc` extents whose element
// (0,0,0) of the box sits at `offset` (e.g. the ghost width). Dimensions >= box.ndims are ignored.
struct MemoryLayout {
  Extents alloc{0, 1, 1};
  Extents offset{0, 0, 0};
  // A dense buffer exactly the size of the box.
  static MemoryLayout dense(const Box& b) {
    MemoryLayout m;
    for (int d = 0; d < b.ndims; ++d) m.alloc[d] = b.extent(d);
    return m;
  }
};

// Collective write of `box` of dataset `ds` (file `f`) from memory of type `mem_type`.
void write_box(const File& f, hid_t ds, hid_t mem_type, const Box& box, const void* data, const MemoryLayout& mem);
// Collective read.
void read_box(const File& f, hid_t ds, hid_t mem_type, const Box& box, void* data, const MemoryLayout& mem);

template <typename T>
void write_box(const File& f, hid_t ds, const Box& box, const T* data, const MemoryLayout& mem) {
  write_box(f, ds, h5type<T>(), box, data, mem);
}
template <typename T>
void read_box(const File& f, hid_t ds, const Box& box, T* data, const MemoryLayout& mem) {
  read_box(f, ds, h5type<T>(), box, data, mem);
}

// Creates a dataset of `shape` (parents created too). chunks: HDF5 chunk shape (empty = contiguous),
// clamped to the shape and to HDF5's 4 GiB chunk limit; deflate 0 = none, 1-9 = level.
Handle create_dataset(const File& f, const std::string& path, hid_t type, const std::vector<Index>& shape,
                      const std::vector<Index>& chunks = {}, int deflate = 0);

}  // namespace tessera::io
