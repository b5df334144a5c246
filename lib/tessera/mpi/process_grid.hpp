// tessera/mpi/process_grid.hpp: a Cartesian grid of ranks in 1, 2 or 3 dimensions.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "tessera/mpi/comm.hpp"

namespace tessera::mpi {

class ProcessGrid {
 public:
  static constexpr int max_dims = 3;
  ProcessGrid() = default;
  // dims[i] == 0 lets MPI_Dims_create choose; periodic per dimension. Ranks may be reordered
  // by MPI only when `reorder` is set (off by default, so grid rank == parent rank).
  ProcessGrid(const Comm& parent, std::vector<int> dims, std::vector<bool> periodic = {},
              bool reorder = false);
  // Balanced grid of `ndims` dimensions over all ranks of `parent`.
  static ProcessGrid balanced(const Comm& parent, int ndims, std::vector<bool> periodic = {});
  // Parses "PxQ" or "PxQxR" (0 for "any"); throws UsageError on bad text or a product != size.
  static std::vector<int> parse_dims(const std::string& text, int ndims, int nranks);

  const Comm& comm() const { return comm_; }
  int ndims() const { return ndims_; }
  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  int dim(int d) const { return dims_[static_cast<size_t>(d)]; }
  const std::vector<int>& dims() const { return dims_; }
  int coord(int d) const { return coords_[static_cast<size_t>(d)]; }
  const std::vector<int>& coords() const { return coords_; }
  bool periodic(int d) const { return periodic_[static_cast<size_t>(d)]; }
  // Neighbour ranks along dimension d (MPI_PROC_NULL at a non-periodic edge).
  int lower(int d) const { return lower_[static_cast<size_t>(d)]; }
  int upper(int d) const { return upper_[static_cast<size_t>(d)]; }
  // Rank at the given coordinates, and coordinates of a rank.
  int rank_of(const std::vector<int>& coords) const;
  std::vector<int> coords_of(int rank) const;
  // Communicator of the ranks that share all coordinates except along dimension d
  // (for 2D: d=1 gives the process row, d=0 the process column).
  Comm sub(int keep_dim) const;
  std::string to_string() const;  // "2x2"

 private:
  Comm comm_;
  int ndims_ = 0;
  std::vector<int> dims_, coords_, lower_, upper_;
  std::vector<bool> periodic_;
};

}  // namespace tessera::mpi
