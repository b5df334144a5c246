// tessera/array/map_blocks.hpp: a function over every local chunk, OpenMP across chunks.
//
// The dask `map_blocks` at cluster scale: each rank visits the chunks it owns; OpenMP threads share
// them (dynamic schedule, one chunk at a time); the function sees each chunk as a strided view that
// knows its global offset.
//
//   map_blocks(a, [](ChunkView<double> c) {
//     c.for_each_row([&](double* row, Index n, const Extents& g) { ... g = global index of row[0] });
//   });
#pragma once
#include <vector>

#include "tessera/array/dist_array.hpp"

namespace tessera::array {

// One chunk of a layout, without data.
struct ChunkRef {
  Box box;          // global index range of the chunk (box.lo is its global offset)
  Extents index{};  // chunk coordinates in the global chunk grid
  Index id = 0;     // global chunk number, row-major over the chunk grid
  Index local = 0;  // position in this rank's chunk list (local_chunks order)
};

// Global row-major flat index of a global index of an array of `shape`.
inline Index flat_index(const std::vector<Index>& shape, const Extents& g) {
  Index f = 0;
  for (size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + g[d];
  return f;
}

// Global chunk number of chunk coordinates (row-major over the chunk grid).
inline Index chunk_id(const BlockLayout& L, const Extents& ci) {
  Index id = 0;
  for (int d = 0; d < L.ndims(); ++d) id = id * L.nchunks(d) + ci[d];
  return id;
}

// The chunks owned by the rank at grid coordinates `coords`, row-major over its chunk box.
std::vector<ChunkRef> chunks_of_coords(const BlockLayout& L, const std::vector<int>& coords);
// This rank's chunks (empty for a rank that owns nothing).
std::vector<ChunkRef> local_chunks(const BlockLayout& L);

// Calls f(row_start, n) for every contiguous row (along the last dimension) of `box`, in row-major
// order; row_start is the global index of the row's first element.
template <typename F>
void for_each_row(const Box& box, F&& f) {
  if (box.empty()) return;
  const int last = box.ndims - 1;
  const Index n = box.extent(last);
  Extents g = box.lo;
  for (g[0] = box.lo[0]; g[0] < (last == 0 ? box.lo[0] + 1 : box.hi[0]); ++g[0])
    for (g[1] = box.lo[1]; g[1] < (last <= 1 ? box.lo[1] + 1 : box.hi[1]); ++g[1]) {
      g[last] = box.lo[last];
      f(static_cast<const Extents&>(g), n);
    }
}

// A chunk of a DistArray: a strided view over the rank's storage plus where it lies globally.
template <typename T>
class ChunkView {
 public:
  ChunkView(T* origin, const Extents& strides, const ChunkRef& ref) : origin_(origin), strides_(strides), ref_(ref) {}

  const ChunkRef& ref() const { return ref_; }
  const Box& box() const { return ref_.box; }
  const Extents& offset() const { return ref_.box.lo; }  // global index of element (0, 0, 0)
  int ndims() const { return ref_.box.ndims; }
  Index extent(int d) const { return d < ndims() ? ref_.box.extent(d) : 1; }
  Index size() const { return ref_.box.size(); }
  Index stride(int d) const { return strides_[d]; }
  // Element at chunk-local index (i, j, k).
  T& operator()(Index i, Index j = 0, Index k = 0) const {
    return origin_[i * strides_[0] + j * strides_[1] + k * strides_[2]];
  }
  T* data() const { return origin_; }
  // f(T* row, Index n, const Extents& global_start) for every contiguous row, in row-major order.
  template <typename F>
  void for_each_row(F&& f) const {
    array::for_each_row(ref_.box, [&](const Extents& g, Index n) {
      Index off = 0;
      for (int d = 0; d < ndims(); ++d) off += (g[d] - ref_.box.lo[d]) * strides_[d];
      f(origin_ + off, n, g);
    });
  }

 private:
  T* origin_;
  Extents strides_;
  ChunkRef ref_;
};

// f(ChunkRef) for each local chunk, OpenMP threads across chunks (dynamic schedule). f must be
// safe to call concurrently for different chunks.
template <typename F>
void for_each_local_chunk(const std::vector<ChunkRef>& chunks, F&& f) {
  const std::int64_t n = static_cast<std::int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t c = 0; c < n; ++c) f(chunks[static_cast<size_t>(c)]);
}

namespace detail {
template <typename T, typename A>
ChunkView<T> view_of(A& a, const ChunkRef& ref) {
  Extents local{0, 0, 0};
  for (int d = 0; d < a.ndims(); ++d) local[d] = ref.box.lo[d] - a.box().lo[d];
  T* origin = const_cast<T*>(a.data()) + a.offset(local[0], local[1], local[2]);
  return ChunkView<T>(origin, a.strides(), ref);
}
}  // namespace detail

// f(ChunkView<T>) for every chunk the rank owns; OpenMP across chunks. Ghost layers are not visited.
template <typename T, typename F>
void map_blocks(DistArray<T>& a, F&& f) {
  const auto chunks = local_chunks(a.layout());
  for_each_local_chunk(chunks, [&](const ChunkRef& r) { f(detail::view_of<T>(a, r)); });
}
// Read-only visit: f(ChunkView<const T>).
template <typename T, typename F>
void map_blocks(const DistArray<T>& a, F&& f) {
  const auto chunks = local_chunks(a.layout());
  for_each_local_chunk(chunks, [&](const ChunkRef& r) { f(detail::view_of<const T>(a, r)); });
}

}  // namespace tessera::array
