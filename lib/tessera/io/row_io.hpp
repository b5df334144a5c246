// tessera/io/row_io.hpp: collective writes of scattered whole rows of a 2D dataset.
//
// For data that is distributed by rows in no regular pattern, e.g. image rows handed out to ranks
// by a dynamic scheduler: each rank names the global rows it holds, in any order, and every rank
// takes part in one collective H5Dwrite (a rank without rows selects nothing). Consecutive rows are
// merged into one hyperslab, so the selection has as many pieces as the rank has runs of rows.
#pragma once
#include <vector>

#include "tessera/core/box.hpp"
#include "tessera/io/hdf5.hpp"

namespace tessera::io {

// `data` holds rows.size() rows of `ncols` elements of `mem_type` (element size `elem_size`), row
// k being global row rows[k]. Rows must be distinct and inside the dataset (Error otherwise).
void write_rows(const File& f, hid_t ds, hid_t mem_type, std::size_t elem_size, const std::vector<Index>& rows,
                const void* data, Index ncols);

template <typename T>
void write_rows(const File& f, hid_t ds, const std::vector<Index>& rows, const T* data, Index ncols) {
  write_rows(f, ds, h5type<T>(), sizeof(T), rows, data, ncols);
}

}  // namespace tessera::io
