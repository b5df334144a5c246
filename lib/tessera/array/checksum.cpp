#include "tessera/array/checksum.hpp"

#include <cstring>

#include "tessera/core/hash.hpp"
#include "tessera/mpi/check.hpp"
#include "tessera/mpi/count.hpp"

namespace tessera::array {

namespace {
// one splitmix64 step: the golden increment, then the output mix
std::uint64_t mix(std::uint64_t x) { return mix64(x + kSplitMixGolden); }
}  // namespace

namespace {
// The checksum's term for one cell: its value's bits mixed with its global linear index.
std::uint64_t cell_term(const DistArray<double>& a, Index i, Index j, Index k) {
  const auto& shape = a.layout().shape();
  const Extents g = a.to_global(i, j, k);
  std::uint64_t linear = 0;
  for (int d = 0; d < a.ndims(); ++d)
    linear = linear * static_cast<std::uint64_t>(shape[static_cast<size_t>(d)]) + static_cast<std::uint64_t>(g[d]);
  std::uint64_t bits;
  const double v = a.local(i, j, k);
  std::memcpy(&bits, &v, sizeof bits);
  return mix(bits ^ mix(linear));
}

// Sum of cell_term over the owned cells of `a` inside the global box `b` (this rank only).
std::uint64_t local_sum(const DistArray<double>& a, const Box& b) {
  if (a.empty()) return 0;
  const Box part = a.box().intersect(b);
  if (part.empty()) return 0;
  Extents lo{0, 0, 0}, hi{1, 1, 1};
  for (int d = 0; d < a.ndims(); ++d) {
    lo[d] = part.lo[d] - a.box().lo[d];
    hi[d] = part.hi[d] - a.box().lo[d];
  }
  std::uint64_t sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
  for (Index i = lo[0]; i < hi[0]; ++i)
    for (Index j = lo[1]; j < hi[1]; ++j)
      for (Index k = lo[2]; k < hi[2]; ++k) sum += cell_term(a, i, j, k);
  return sum;
}
}  // namespace

std::uint64_t bitwise_checksum(const DistArray<double>& a) {
  return a.comm().sum(local_sum(a, Box::whole(a.layout().shape())));
}

std::vector<std::uint64_t> bitwise_block_checksums(const DistArray<double>& a, const std::vector<Box>& blocks) {
  std::vector<std::uint64_t> mine(blocks.size()), all(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) mine[b] = local_sum(a, blocks[b]);
  if (!blocks.empty())
    TESSERA_MPI_CHECK(MPI_Allreduce(mine.data(), all.data(), mpi::checked_count(blocks.size(), "block checksums"), MPI_UINT64_T, MPI_SUM,
                                    a.comm().get()));
  return all;
}

}  // namespace tessera::array
