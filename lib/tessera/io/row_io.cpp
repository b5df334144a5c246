#include "tessera/io/row_io.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace tessera::io {

void write_rows(const File& f, hid_t ds, hid_t mem_type, std::size_t elem_size, const std::vector<Index>& rows,
                const void* data, Index ncols) {
  Handle fspace = make_space_handle(check(H5Dget_space(ds), "H5Dget_space"));
  if (H5Sget_simple_extent_ndims(fspace) != 2) throw UsageError("write_rows: the dataset is not two-dimensional");
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(fspace, dims, nullptr);
  if (static_cast<Index>(dims[1]) != ncols)
    throw Error("write_rows: the dataset has " + std::to_string(dims[1]) + " columns, the rows " + std::to_string(ncols));

  // Rows in increasing order (the order HDF5 walks a union of hyperslabs), data packed to match.
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rows[a] < rows[b]; });
  const std::size_t row_bytes = elem_size * static_cast<std::size_t>(ncols);
  std::vector<char> packed(rows.size() * row_bytes);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Index r = rows[order[k]];
    if (r < 0 || r >= static_cast<Index>(dims[0])) throw Error("write_rows: row " + std::to_string(r) + " out of range");
    if (k > 0 && rows[order[k - 1]] == r) throw Error("write_rows: row " + std::to_string(r) + " given twice");
    std::memcpy(packed.data() + k * row_bytes, static_cast<const char*>(data) + order[k] * row_bytes, row_bytes);
  }

  const hsize_t nelem = std::max<hsize_t>(1, static_cast<hsize_t>(rows.size()) * static_cast<hsize_t>(ncols));
  Handle mspace = make_space_handle(check(H5Screate_simple(1, &nelem, nullptr), "H5Screate_simple"));
  if (rows.empty() || ncols == 0) {
    check(H5Sselect_none(fspace), "H5Sselect_none");
    check(H5Sselect_none(mspace), "H5Sselect_none");
  } else {
    check(H5Sselect_none(fspace), "H5Sselect_none");
    std::size_t k = 0;
    while (k < order.size()) {
      std::size_t e = k + 1;
      while (e < order.size() && rows[order[e]] == rows[order[e - 1]] + 1) ++e;
      const hsize_t start[2] = {static_cast<hsize_t>(rows[order[k]]), 0};
      const hsize_t count[2] = {static_cast<hsize_t>(e - k), static_cast<hsize_t>(ncols)};
      check(H5Sselect_hyperslab(fspace, H5S_SELECT_OR, start, nullptr, count, nullptr), "H5Sselect_hyperslab");
      k = e;
    }
  }
  if (dims[0] == 0 || dims[1] == 0) return;  // nothing to write anywhere (and HDF5 would refuse)
  Handle xfer = transfer_plist(f);
  check(H5Dwrite(ds, mem_type, mspace, fspace, xfer, rows.empty() ? nullptr : packed.data()), "H5Dwrite (rows)");
}

}  // namespace tessera::io
