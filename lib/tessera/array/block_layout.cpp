#include "tessera/array/block_layout.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "tessera/core/error.hpp"

namespace tessera::array {

void BlockLayout::validate(const std::vector<Index>& shape, const std::vector<Index>& chunks) {
  if (shape.empty() || shape.size() > static_cast<size_t>(max_dims))
    throw UsageError("arrays have 1 to 3 dimensions, not " + std::to_string(shape.size()));
  if (chunks.size() != shape.size())
    throw UsageError("chunks " + shape_to_string(chunks) + " have " + std::to_string(chunks.size()) +
                     " dimensions but the shape " + shape_to_string(shape) + " has " + std::to_string(shape.size()));
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] <= 0) throw UsageError("shape " + shape_to_string(shape) + ": sizes must be positive");
    if (chunks[d] <= 0) throw UsageError("chunks " + shape_to_string(chunks) + ": sizes must be positive");
    if (chunks[d] > shape[d])
      throw UsageError("chunks " + shape_to_string(chunks) + " are larger than the shape " + shape_to_string(shape) +
                       " in dimension " + std::to_string(d));
  }
  // every count derived from the layout (boxes, chunks, global_size) fits int64 when this does
  if (Index n = 1; std::any_of(shape.begin(), shape.end(), [&n](Index s) { return __builtin_mul_overflow(n, s, &n); }))
    throw UsageError("shape " + shape_to_string(shape) + " has more than 2^63 - 1 elements");
}

BlockLayout::BlockLayout(std::vector<Index> shape, std::vector<Index> chunks, mpi::ProcessGrid grid)
    : shape_(std::move(shape)), chunks_(std::move(chunks)), grid_(std::move(grid)) {
  validate(shape_, chunks_);
  if (grid_.ndims() != ndims())
    throw UsageError("process grid " + grid_.to_string() + " has " + std::to_string(grid_.ndims()) +
                     " dimensions but the array has " + std::to_string(ndims()));
  dims_ = grid_.dims();
  local_ = box_of_coords(grid_.coords());
}

BlockLayout::BlockLayout(std::vector<Index> shape, std::vector<Index> chunks, std::vector<int> grid_dims)
    : shape_(std::move(shape)), chunks_(std::move(chunks)), dims_(std::move(grid_dims)) {
  validate(shape_, chunks_);
  if (static_cast<int>(dims_.size()) != ndims())
    throw UsageError("process grid has " + std::to_string(dims_.size()) + " dimensions but the array has " +
                     std::to_string(ndims()));
  for (int p : dims_)
    if (p <= 0) throw UsageError("process grid dimensions must be positive");
}

std::vector<int> BlockLayout::choose_grid(const std::vector<Index>& nchunks, int nranks) {
  const int nd = static_cast<int>(nchunks.size());
  std::vector<int> best(static_cast<size_t>(nd), 1), cur(static_cast<size_t>(nd), 1);
  Index best_load = std::numeric_limits<Index>::max();
  int best_spread = std::numeric_limits<int>::max();
  // Enumerate ordered factorisations of nranks into nd factors.
  std::function<void(int, int)> rec = [&](int d, int left) {
    if (d == nd - 1) {
      cur[static_cast<size_t>(d)] = left;
      Index load = 1;
      int lo = std::numeric_limits<int>::max(), hi = 0;
      for (int k = 0; k < nd; ++k) {
        const Index p = cur[static_cast<size_t>(k)];
        load *= (nchunks[static_cast<size_t>(k)] + p - 1) / p;
        lo = std::min(lo, cur[static_cast<size_t>(k)]);
        hi = std::max(hi, cur[static_cast<size_t>(k)]);
      }
      // fewest chunks on the busiest rank; then fewest idle ranks; then the most square grid
      Index idle_penalty = 0;
      for (int k = 0; k < nd; ++k)
        if (cur[static_cast<size_t>(k)] > nchunks[static_cast<size_t>(k)]) idle_penalty += 1;
      const Index key = load * 4 + idle_penalty;
      if (key < best_load || (key == best_load && hi - lo < best_spread)) {
        best_load = key;
        best_spread = hi - lo;
        best = cur;
      }
      return;
    }
    for (int f = 1; f <= left; ++f)
      if (left % f == 0) {
        cur[static_cast<size_t>(d)] = f;
        rec(d + 1, left / f);
      }
  };
  rec(0, nranks);
  return best;
}

BlockLayout BlockLayout::make(const mpi::Comm& comm, std::vector<Index> shape, std::vector<Index> chunks,
                              std::vector<bool> periodic) {
  validate(shape, chunks);
  std::vector<Index> nch;
  for (size_t d = 0; d < shape.size(); ++d) nch.push_back((shape[d] + chunks[d] - 1) / chunks[d]);
  auto dims = choose_grid(nch, comm.size());
  return BlockLayout(std::move(shape), std::move(chunks), mpi::ProcessGrid(comm, dims, std::move(periodic)));
}

Index BlockLayout::total_chunks() const {
  Index n = 1;
  for (int d = 0; d < ndims(); ++d) n *= nchunks(d);
  return n;
}

Index BlockLayout::global_size() const {
  Index n = 1;
  for (Index s : shape_) n *= s;
  return n;
}

Index BlockLayout::first_chunk(int d, int p) const {
  const Index n = nchunks(d), P = grid_dim(d);
  const Index base = n / P, rem = n % P;
  return p * base + std::min<Index>(p, rem);
}

Index BlockLayout::lo(int d, int p) const { return std::min(shape(d), first_chunk(d, p) * chunk(d)); }

int BlockLayout::owner_coord(int d, Index i) const {
  const Index c = i / chunk(d), n = nchunks(d), P = grid_dim(d);
  const Index base = n / P, rem = n % P;
  // first `rem` coordinates own base+1 chunks
  if (c < rem * (base + 1)) return static_cast<int>(c / (base + 1));
  return static_cast<int>(rem + (c - rem * (base + 1)) / base);
}

Box BlockLayout::box_of(int rank) const { return box_of_coords(grid_.coords_of(rank)); }

Box BlockLayout::box_of_coords(const std::vector<int>& coords) const {
  Box b;
  b.ndims = ndims();
  for (int d = 0; d < ndims(); ++d) {
    b.lo[d] = lo(d, coords[static_cast<size_t>(d)]);
    b.hi[d] = hi(d, coords[static_cast<size_t>(d)]);
  }
  return b;
}

std::vector<int> BlockLayout::owner_coords(const Extents& g) const {
  std::vector<int> c(static_cast<size_t>(ndims()));
  for (int d = 0; d < ndims(); ++d) {
    if (g[d] < 0 || g[d] >= shape(d)) throw Error("index out of the array's bounds");
    c[static_cast<size_t>(d)] = owner_coord(d, g[d]);
  }
  return c;
}

int BlockLayout::owner(const Extents& g) const { return grid_.rank_of(owner_coords(g)); }

Box BlockLayout::chunk_box(const Extents& ci) const {
  Box b;
  b.ndims = ndims();
  for (int d = 0; d < ndims(); ++d) {
    b.lo[d] = ci[d] * chunk(d);
    b.hi[d] = std::min(shape(d), b.lo[d] + chunk(d));
  }
  return b;
}

Extents BlockLayout::local_chunk_lo() const {
  Extents e{0, 0, 0};
  for (int d = 0; d < ndims(); ++d) e[d] = first_chunk(d, grid_.coord(d));
  return e;
}

Extents BlockLayout::local_chunk_hi() const {
  Extents e{1, 1, 1};
  for (int d = 0; d < ndims(); ++d) e[d] = first_chunk(d, grid_.coord(d) + 1);
  return e;
}

Index BlockLayout::local_chunk_count() const {
  const auto l = local_chunk_lo(), h = local_chunk_hi();
  Index n = 1;
  for (int d = 0; d < ndims(); ++d) n *= h[d] - l[d];
  return n;
}

std::string BlockLayout::to_string() const {
  std::string g;
  for (size_t d = 0; d < dims_.size(); ++d) g += (d ? "x" : "") + std::to_string(dims_[d]);
  return shape_to_string(shape_) + " in " + shape_to_string(chunks_) + " chunks over " + g;
}

}  // namespace tessera::array
