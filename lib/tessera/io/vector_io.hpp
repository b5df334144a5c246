// tessera/io/vector_io.hpp: small 1D datasets (time series, tables) that one rank holds.
// Collective: every rank of the file's communicator calls, only `root` selects data to write
// (the others select nothing); reading gives every rank the whole vector.
#pragma once
#include <string>
#include <vector>

#include "tessera/io/hyperslab.hpp"

namespace tessera::io {

template <typename T>
void write_vector(const File& f, const std::string& path, const std::vector<T>& values, int root = 0) {
  const bool parallel = f.parallel();
  const bool mine = !parallel || f.comm().rank() == root;
  long long n = static_cast<long long>(values.size());
  if (parallel) n = f.comm().bcast_value(n, root);
  Handle ds = create_dataset(f, path, h5type<T>(), {static_cast<Index>(n)});
  if (n == 0) return;  // HDF5 refuses writes to empty datasets (every rank knows n)
  Box box(1, {0, 0, 0}, {mine ? static_cast<Index>(n) : 0, 1, 1});
  write_box(f, ds, box, values.data(), MemoryLayout::dense(box));
}

template <typename T>
std::vector<T> read_vector(const File& f, const std::string& path) {
  Handle ds = f.open_dataset(path);
  const auto info = dataset_info(ds.get());
  if (info.shape.size() != 1)
    throw UsageError("dataset '" + path + "' in '" + f.path() + "' is not one-dimensional");
  std::vector<T> out(static_cast<size_t>(info.shape[0]));
  if (out.empty()) return out;
  Box box(1, {0, 0, 0}, {info.shape[0], 1, 1});
  read_box(f, ds, box, out.data(), MemoryLayout::dense(box));
  return out;
}

}  // namespace tessera::io
