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

namespace {
// Neumaier's compensated sum in long double: the error does not grow with the number of terms.
struct CompensatedSum {
  long double sum = 0, comp = 0;
  void add(long double v) {
    const long double t = sum + v;
    comp += std::fabs(sum) >= std::fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  long double value() const { return sum + comp; }
};
}  // namespace

DatasetStats dataset_stats(const File& f, const std::string& dataset, Index max_elements) {
  const DatasetInfo info = dataset_info(f, dataset);
  if (info.shape.empty()) throw UsageError("dataset '" + dataset + "' is a scalar");
  DatasetStats st;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  // Two passes over the file: the mean from a compensated sum, then the compensated sum of squared
  // deviations from it, corrected by the deviations' own sum (the "corrected two-pass" algorithm:
  // exact to a few ulps whatever the offset of the data, where one pass loses digits).
  CompensatedSum sum;
  read_box_in_slabs(f, dataset, Box::whole(info.shape), max_elements, [&](const Box& slab, const double* v) {
    const Index m = slab.size();
    st.count += m;
    for (Index i = 0; i < m; ++i) {
      if (std::isnan(v[i])) {
        ++st.nan_count;
        continue;
      }
      sum.add(v[i]);
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
  });
  const Index n = st.count - st.nan_count;
  if (n == 0) {
    st.min = st.max = st.mean = st.std = std::numeric_limits<double>::quiet_NaN();
    return st;
  }
  const long double mean = sum.value() / static_cast<long double>(n);
  CompensatedSum dev, sq;
  read_box_in_slabs(f, dataset, Box::whole(info.shape), max_elements, [&](const Box& slab, const double* v) {
    for (Index i = 0; i < slab.size(); ++i)
      if (!std::isnan(v[i])) {
        const long double d = static_cast<long double>(v[i]) - mean;
        dev.add(d);
        sq.add(d * d);
      }
  });
  const long double e = dev.value();
  const long double m2 = std::max<long double>(0, sq.value() - e * e / static_cast<long double>(n));
  st.min = lo;
  st.max = hi;
  st.mean = static_cast<double>(mean + e / static_cast<long double>(n));
  st.std = static_cast<double>(std::sqrt(m2 / static_cast<long double>(n)));
  return st;
}

}  // namespace tessera::io
