#include "tessera/io/dataset_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tessera/io/hyperslab.hpp"

namespace tessera::io {

bool is_numeric_dtype(const std::string& dtype) {
  return dtype.rfind("float", 0) == 0 || dtype.rfind("int", 0) == 0 || dtype.rfind("uint", 0) == 0;
}

void read_box_in_slabs(const File& f, const std::string& dataset, const Box& box, Index max_elements,
                       const std::function<void(const Box& slab, const double* values)>& fn) {
  const DatasetInfo info = dataset_info(f, dataset);
  if (!is_numeric_dtype(info.dtype))
    throw UsageError("dataset '" + dataset + "' holds " + info.dtype + ", not numbers");
  if (static_cast<int>(info.shape.size()) != box.ndims)
    throw UsageError("dataset '" + dataset + "' has " + std::to_string(info.shape.size()) + " dimensions, not " +
                     std::to_string(box.ndims));
  if (box.empty()) return;
  // cut along the first dimension that has more than one element
  int cut = 0;
  while (cut < box.ndims - 1 && box.extent(cut) == 1) ++cut;
  const Index per_unit = box.size() / box.extent(cut);
  Index step = std::max<Index>(1, max_elements / std::max<Index>(1, per_unit));
  if (!info.chunks.empty()) {
    const Index c = info.chunks[static_cast<size_t>(cut)];
    if (step >= c) step = step / c * c;  // whole chunks: each HDF5 chunk is read once
  }
  // a chunk cache that holds one slab's worth of chunks when a slab is thinner than a chunk
  Handle dapl = make_plist_handle(check(H5Pcreate(H5P_DATASET_ACCESS), "H5Pcreate"));
  if (!info.chunks.empty()) {
    Handle ds0 = f.open_dataset(dataset);
    Handle type = make_type_handle(check(H5Dget_type(ds0), "H5Dget_type"));
    size_t row_bytes = H5Tget_size(type);
    for (size_t d = 0; d < info.shape.size(); ++d)
      row_bytes *= static_cast<size_t>(d == static_cast<size_t>(cut) ? info.chunks[d] : info.shape[d]);
    const size_t cache = std::min<size_t>(row_bytes + (1u << 20), size_t{512} << 20);
    check(H5Pset_chunk_cache(dapl, 12421, cache, 1.0), "H5Pset_chunk_cache");
  }
  (void)f.open_dataset(dataset);  // existence and kind checked with a clear message
  Handle ds = make_dataset_handle(check(H5Dopen2(f.id(), dataset.c_str(), dapl), "cannot open " + dataset));
  std::vector<double> buf;
  for (Index s = box.lo[cut]; s < box.hi[cut]; s += step) {
    Box slab = box;
    slab.lo[cut] = s;
    slab.hi[cut] = std::min(box.hi[cut], s + step);
    buf.resize(static_cast<size_t>(slab.size()));
    read_box(f, ds, H5T_NATIVE_DOUBLE, slab, buf.data(), MemoryLayout::dense(slab));
    fn(slab, buf.data());
  }
}

DatasetStats dataset_stats(const File& f, const std::string& dataset, Index max_elements) {
  const DatasetInfo info = dataset_info(f, dataset);
  DatasetStats st;
  double mean = 0, m2 = 0;
  Index n = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (info.shape.empty()) {  // scalar dataset: read it as a 1-element box is not possible; skip
    throw UsageError("dataset '" + dataset + "' is a scalar");
  }
  read_box_in_slabs(f, dataset, Box::whole(info.shape), max_elements, [&](const Box& slab, const double* v) {
    const Index m = slab.size();
    st.count += m;
    Index k = 0;
    double s = 0;
    for (Index i = 0; i < m; ++i)
      if (!std::isnan(v[i])) {
        s += v[i];
        ++k;
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
      }
    st.nan_count += m - k;
    if (k == 0) return;
    const double bm = s / static_cast<double>(k);
    double bm2 = 0;
    for (Index i = 0; i < m; ++i)
      if (!std::isnan(v[i])) bm2 += (v[i] - bm) * (v[i] - bm);
    // merge (n, mean, m2) with (k, bm, bm2)
    const double delta = bm - mean;
    const Index nn = n + k;
    mean += delta * static_cast<double>(k) / static_cast<double>(nn);
    m2 += bm2 + delta * delta * static_cast<double>(n) * static_cast<double>(k) / static_cast<double>(nn);
    n = nn;
  });
  if (n > 0) {
    st.min = lo;
    st.max = hi;
    st.mean = mean;
    st.std = std::sqrt(m2 / static_cast<double>(n));
  } else {
    st.min = st.max = st.mean = st.std = std::numeric_limits<double>::quiet_NaN();
  }
  return st;
}

}  // namespace tessera::io
