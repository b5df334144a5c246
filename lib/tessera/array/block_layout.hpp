// tessera/array/block_layout.hpp: who owns which part of a block-distributed array (dask's `chunks`).
//
// An array of 1 to 3 dimensions is cut into chunks of a fixed chunk shape (edge chunks may be
// smaller). Along each dimension d the chunks are dealt out in contiguous runs to the grid.dim(d)
// process coordinates (the first nchunks % P coordinates get one more), so each rank owns one
// contiguous box made of whole chunks. With more ranks than chunks some ranks own nothing.
#pragma once
#include <vector>

#include "tessera/core/box.hpp"
#include "tessera/mpi/process_grid.hpp"

namespace tessera::array {

class BlockLayout {
 public:
  BlockLayout() = default;
  // grid.ndims() must equal shape.size(); throws UsageError on zero/negative sizes, chunks larger
  // than the shape or a dimension mismatch.
  BlockLayout(std::vector<Index> shape, std::vector<Index> chunks, mpi::ProcessGrid grid);
  // A detached layout over a grid of the given dimensions, with no communicator: all the index
  // arithmetic (boxes by grid coordinates, owners by coordinates) works, rank-based calls do not.
  // For planning (e.g. reading a file written by another layout) and for unit tests without MPI.
  BlockLayout(std::vector<Index> shape, std::vector<Index> chunks, std::vector<int> grid_dims);
  // Picks a grid over `comm` that spreads the chunks best (fewest chunks on the busiest rank).
  static BlockLayout make(const mpi::Comm& comm, std::vector<Index> shape, std::vector<Index> chunks,
                          std::vector<bool> periodic = {});
  // The grid `make` would choose (pure, for tests).
  static std::vector<int> choose_grid(const std::vector<Index>& nchunks, int nranks);
  // Validates shape and chunks (UsageError naming the problem).
  static void validate(const std::vector<Index>& shape, const std::vector<Index>& chunks);

  int ndims() const { return static_cast<int>(shape_.size()); }
  const std::vector<Index>& shape() const { return shape_; }
  const std::vector<Index>& chunk_shape() const { return chunks_; }
  Index shape(int d) const { return shape_[static_cast<size_t>(d)]; }
  Index chunk(int d) const { return chunks_[static_cast<size_t>(d)]; }
  Index nchunks(int d) const { return (shape(d) + chunk(d) - 1) / chunk(d); }
  Index total_chunks() const;
  Index global_size() const;
  const mpi::ProcessGrid& grid() const { return grid_; }
  const mpi::Comm& comm() const { return grid_.comm(); }

  // First chunk index owned by process coordinate p along d (p in [0, dim(d)]).
  Index first_chunk(int d, int p) const;
  // Global index range [lo, hi) owned by process coordinate p along d.
  Index lo(int d, int p) const;
  Index hi(int d, int p) const { return lo(d, p + 1); }
  // Process coordinate along d owning global index i.
  int owner_coord(int d, Index i) const;

  int grid_dim(int d) const { return dims_[static_cast<size_t>(d)]; }
  const std::vector<int>& grid_dims() const { return dims_; }
  Box box_of_coords(const std::vector<int>& coords) const;
  std::vector<int> owner_coords(const Extents& global_index) const;
  Box box_of(int rank) const;                   // owned box of any rank
  const Box& local_box() const { return local_; }
  int owner(const Extents& global_index) const; // rank owning an index
  Box chunk_box(const Extents& chunk_index) const;
  // Chunk index ranges owned by this rank, per dimension: [first, last)
  Extents local_chunk_lo() const;
  Extents local_chunk_hi() const;
  Index local_chunk_count() const;
  std::string to_string() const;  // "10000x10000 in 1000x1000 chunks over 2x2"

 private:
  std::vector<Index> shape_, chunks_;
  std::vector<int> dims_;
  mpi::ProcessGrid grid_;
  Box local_;
};

}  // namespace tessera::array
