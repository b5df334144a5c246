// tessera/io/dataset_stats.hpp: reading datasets larger than memory, a slab at a time.
//
// For tools on one process (a serially opened File): statistics of a whole dataset and 2D slices
// for pictures, with memory bounded by `max_elements` whatever the dataset's size.
#pragma once
#include <functional>
#include <string>

#include "tessera/core/box.hpp"
#include "tessera/io/hdf5.hpp"

namespace tessera::io {

// Reads `box` of a numeric dataset, converted to double, in slabs cut along the box's first
// dimension of extent > 1 (aligned with the HDF5 chunks when they fit), calling fn(slab, values)
// with each slab's values row-major. At most max(max_elements, one row) values are held at a time.
void read_box_in_slabs(const File& f, const std::string& dataset, const Box& box, Index max_elements,
                       const std::function<void(const Box& slab, const double* values)>& fn);

struct DatasetStats {
  Index count = 0;      // elements
  Index nan_count = 0;  // NaN elements (left out of min/max/mean/std)
  double min = 0, max = 0, mean = 0, std = 0;  // population std
};

// Two passes over the dataset, slab by slab: the mean from a compensated (Neumaier, long double)
// sum, then the corrected two-pass sum of squared deviations; mean and std exact to about 1e-15
// relative. UsageError for a dataset that is not numeric or scalar.
DatasetStats dataset_stats(const File& f, const std::string& dataset, Index max_elements = Index{1} << 23);

// True for integer and floating-point datasets.
bool is_numeric_dtype(const std::string& dtype);

}  // namespace tessera::io
