// tessera/array/dist_array.hpp: a block-distributed array: this rank's box plus optional ghost layers.
//
// Storage is row-major (the last dimension is contiguous), one allocation holding the owned box
// surrounded by `ghost` layers on every side of every real dimension. Local indices are relative
// to the first owned element and run over [-ghost, extent + ghost).
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "tessera/array/block_layout.hpp"
#include "tessera/core/error.hpp"

namespace tessera::array {

template <typename T>
class DistArray {
  static_assert(std::is_arithmetic_v<T>, "DistArray holds numbers");

 public:
  using value_type = T;
  DistArray() = default;
  explicit DistArray(BlockLayout layout, int ghost = 0) : layout_(std::move(layout)), ghost_(ghost) {
    if (ghost < 0) throw UsageError("ghost width must not be negative");
    box_ = layout_.local_box();
    Index n = 1;
    for (int d = max_dims - 1; d >= 0; --d) {
      const bool real = d < ndims();
      alloc_[d] = real ? (box_.empty() ? 0 : box_.extent(d) + 2 * ghost_) : 1;
      strides_[d] = real ? n : 0;
      if (real) n = checked_mul(n, alloc_[d], "DistArray: the elements of the ghosted block");
    }
    if (box_.empty()) n = 0;
    size_ = static_cast<size_t>(n);
    checked_mul(size_, sizeof(T), "DistArray: the bytes of the ghosted block");
    data_.reset(size_ ? new T[size_] : nullptr);  // not value-initialised: fill() touches it in parallel
    fill(T{});
  }
  DistArray(DistArray&&) noexcept = default;
  DistArray& operator=(DistArray&&) noexcept = default;
  // Deep copy, explicit (arrays can be large).
  DistArray clone() const {
    DistArray c(layout_, ghost_);
    if (size_) std::memcpy(c.data_.get(), data_.get(), size_ * sizeof(T));
    return c;
  }

  const BlockLayout& layout() const { return layout_; }
  const mpi::Comm& comm() const { return layout_.comm(); }
  int ndims() const { return layout_.ndims(); }
  int ghost() const { return ghost_; }
  const Box& box() const { return box_; }
  bool empty() const { return box_.empty(); }
  Index extent(int d) const { return d < ndims() ? box_.extent(d) : 1; }
  Index alloc_extent(int d) const { return alloc_[d]; }
  const Extents& strides() const { return strides_; }
  Index stride(int d) const { return strides_[d]; }
  Index owned_size() const { return box_.size(); }
  size_t alloc_size() const { return size_; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }

  // Offset of local index (i, j, k) in data(); unused dimensions are ignored.
  Index offset(Index i, Index j = 0, Index k = 0) const {
    return (i + ghost_) * strides_[0] + (j + (ndims() > 1 ? ghost_ : 0)) * strides_[1] +
           (k + (ndims() > 2 ? ghost_ : 0)) * strides_[2];
  }
  T& local(Index i, Index j = 0, Index k = 0) { return data_[static_cast<size_t>(offset(i, j, k))]; }
  const T& local(Index i, Index j = 0, Index k = 0) const { return data_[static_cast<size_t>(offset(i, j, k))]; }
  // Element at a global index (must lie in the owned box or its ghost layers).
  T& global(const Extents& g) {
    return local(g[0] - box_.lo[0], ndims() > 1 ? g[1] - box_.lo[1] : 0, ndims() > 2 ? g[2] - box_.lo[2] : 0);
  }
  const T& global(const Extents& g) const { return const_cast<DistArray*>(this)->global(g); }
  Extents to_global(Index i, Index j = 0, Index k = 0) const {
    return {box_.lo[0] + i, box_.lo[1] + (ndims() > 1 ? j : 0), box_.lo[2] + (ndims() > 2 ? k : 0)};
  }

  // Sets every element, ghosts included; OpenMP threads touch the pages they will use.
  void fill(T v) {
    T* p = data_.get();
    const std::int64_t n = static_cast<std::int64_t>(size_);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) p[i] = v;
  }
  // Calls f(value&, global index) for every owned element (serial; for set-up and tests).
  template <typename F>
  void for_each_owned(F&& f) {
    for (Index i = 0; i < extent(0); ++i)
      for (Index j = 0; j < extent(1); ++j)
        for (Index k = 0; k < extent(2); ++k) f(local(i, j, k), to_global(i, j, k));
  }

 private:
  BlockLayout layout_;
  int ghost_ = 0;
  Box box_;
  Extents alloc_{0, 1, 1}, strides_{0, 0, 0};
  size_t size_ = 0;
  std::unique_ptr<T[]> data_;
};

}  // namespace tessera::array
