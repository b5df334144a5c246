#include "tessera/mpi/process_grid.hpp"

#include <sstream>

#include "tessera/core/error.hpp"

namespace tessera::mpi {

ProcessGrid::ProcessGrid(const Comm& parent, std::vector<int> dims, std::vector<bool> periodic, bool reorder) {
  ndims_ = static_cast<int>(dims.size());
  if (ndims_ < 1 || ndims_ > max_dims)
    throw UsageError("a process grid has 1 to 3 dimensions, not " + std::to_string(ndims_));
  for (int d : dims)
    if (d < 0) throw UsageError("process grid dimensions must not be negative");
  int fixed = 1;
  for (int d : dims) fixed *= d > 0 ? d : 1;
  if (parent.size() % fixed != 0)
    throw UsageError("process grid " + std::to_string(fixed) + " does not divide " + std::to_string(parent.size()) +
                     " ranks");
  TESSERA_MPI_CHECK(MPI_Dims_create(parent.size(), ndims_, dims.data()));
  periodic.resize(static_cast<size_t>(ndims_), false);
  std::vector<int> per(periodic.begin(), periodic.end());
  MPI_Comm cart;
  TESSERA_MPI_CHECK(MPI_Cart_create(parent.get(), ndims_, dims.data(), per.data(), reorder ? 1 : 0, &cart));
  comm_ = Comm::adopt(cart);
  dims_ = dims;
  periodic_ = periodic;
  coords_.resize(static_cast<size_t>(ndims_));
  TESSERA_MPI_CHECK(MPI_Cart_coords(cart, comm_.rank(), ndims_, coords_.data()));
  lower_.resize(static_cast<size_t>(ndims_));
  upper_.resize(static_cast<size_t>(ndims_));
  for (int d = 0; d < ndims_; ++d)
    TESSERA_MPI_CHECK(MPI_Cart_shift(cart, d, 1, &lower_[static_cast<size_t>(d)], &upper_[static_cast<size_t>(d)]));
}

ProcessGrid ProcessGrid::balanced(const Comm& parent, int ndims, std::vector<bool> periodic) {
  return ProcessGrid(parent, std::vector<int>(static_cast<size_t>(ndims), 0), std::move(periodic));
}

std::vector<int> ProcessGrid::parse_dims(const std::string& text, int ndims, int nranks) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, 'x')) {
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--grid '" + text + "': expected numbers separated by 'x', e.g. 2x2");
    try {
      out.push_back(std::stoi(part));
    } catch (const std::exception&) {
      throw UsageError("--grid '" + text + "': number out of range");
    }
  }
  if (static_cast<int>(out.size()) != ndims)
    throw UsageError("--grid '" + text + "' has " + std::to_string(out.size()) + " dimensions, expected " +
                     std::to_string(ndims));
  long long prod = 1;
  bool any_free = false;
  for (int d : out) {
    if (d == 0) any_free = true;
    else prod *= d;
  }
  if ((!any_free && prod != nranks) || (any_free && nranks % prod != 0))
    throw UsageError("--grid '" + text + "' does not match the " + std::to_string(nranks) + " ranks of the job");
  return out;
}

int ProcessGrid::rank_of(const std::vector<int>& c) const {
  int r = MPI_PROC_NULL;
  TESSERA_MPI_CHECK(MPI_Cart_rank(comm_.get(), c.data(), &r));
  return r;
}

std::vector<int> ProcessGrid::coords_of(int r) const {
  std::vector<int> c(static_cast<size_t>(ndims_));
  TESSERA_MPI_CHECK(MPI_Cart_coords(comm_.get(), r, ndims_, c.data()));
  return c;
}

Comm ProcessGrid::sub(int keep_dim) const {
  std::vector<int> remain(static_cast<size_t>(ndims_), 0);
  remain[static_cast<size_t>(keep_dim)] = 1;
  MPI_Comm c;
  TESSERA_MPI_CHECK(MPI_Cart_sub(comm_.get(), remain.data(), &c));
  return Comm::adopt(c);
}

std::string ProcessGrid::to_string() const {
  std::string s;
  for (int d = 0; d < ndims_; ++d) s += (d ? "x" : "") + std::to_string(dims_[static_cast<size_t>(d)]);
  return s;
}

}  // namespace tessera::mpi
