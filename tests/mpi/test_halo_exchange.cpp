// HaloExchange: every face ghost cell receives the neighbour's value (2D and 3D, periodic and not,
// ghost width 1 and 2), edges/corners and physical-boundary ghosts are left alone, ranks owning
// nothing are skipped, and misuse is reported on every rank.
#include <gtest/gtest.h>

#include "tessera/array/halo_exchange.hpp"
#include "tessera/core/error.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;
using array::HaloExchange;

namespace {
constexpr double sentinel = -1.0;

// `offset` tells arrays of one layout apart (exact in float up to 2^24).
double value_at(const Extents& g, double offset = 0) { return 1.0 + offset + 10000.0 * g[0] + 100.0 * g[1] + g[2]; }

template <typename T>
void fill_owned(DistArray<T>& a, double offset = 0) {
  a.fill(static_cast<T>(sentinel));
  a.for_each_owned([offset](T& v, const Extents& g) { v = static_cast<T>(value_at(g, offset)); });
}

// Checks every element of the allocation (owned and ghost) against what a face exchange of
// `width` layers must leave there. Returns the number of wrong elements on this rank.
template <typename T>
long long count_wrong(const DistArray<T>& a, int width, double offset = 0) {
  if (a.empty()) return 0;
  const auto& L = a.layout();
  const int nd = a.ndims(), g = a.ghost();
  long long bad = 0;
  Extents lo{0, 0, 0}, hi{1, 1, 1};
  for (int d = 0; d < nd; ++d) lo[d] = -g, hi[d] = a.extent(d) + g;
  for (Index i = lo[0]; i < hi[0]; ++i)
    for (Index j = lo[1]; j < hi[1]; ++j)
      for (Index k = lo[2]; k < hi[2]; ++k) {
        const Extents loc{i, j, k};
        int outside = 0, dim = -1;
        for (int d = 0; d < nd; ++d)
          if (loc[d] < 0 || loc[d] >= a.extent(d)) ++outside, dim = d;
        Extents glob = a.to_global(i, j, k);
        double want = sentinel;
        if (outside == 0) {
          want = value_at(glob, offset);
        } else if (outside == 1) {
          const Index depth = loc[dim] < 0 ? -loc[dim] : loc[dim] - a.extent(dim) + 1;
          const Index N = L.shape(dim);
          const bool inside = glob[dim] >= 0 && glob[dim] < N;
          if (depth <= width && (inside || L.grid().periodic(dim))) {
            glob[dim] = ((glob[dim] % N) + N) % N;
            want = value_at(glob, offset);
          }
        }
        bad += a.local(i, j, k) != static_cast<T>(want);
      }
  return bad;
}

BlockLayout balanced_layout(const mpi::Comm& w, std::vector<Index> shape, bool periodic) {
  const int nd = static_cast<int>(shape.size());
  auto grid = mpi::ProcessGrid::balanced(w, nd, std::vector<bool>(static_cast<size_t>(nd), periodic));
  return BlockLayout(shape, std::vector<Index>(shape.size(), 1), grid);
}

void run_case(std::vector<Index> shape, bool periodic, int ghost, int width) {
  const mpi::Comm w = mpi::Comm::world();
  DistArray<double> a(balanced_layout(w, shape, periodic), ghost);
  fill_owned(a);
  HaloExchange halo(a, width);
  EXPECT_EQ(halo.width(), width);
  halo.start(a);
  EXPECT_TRUE(halo.in_flight());
  halo.finish();
  EXPECT_FALSE(halo.in_flight());
  EXPECT_EQ(w.sum(count_wrong(a, width)), 0)
      << shape.size() << "D periodic=" << periodic << " ghost=" << ghost << " width=" << width;
}
}  // namespace

TEST(HaloExchange, TwoDimensionalAllCombinations) {
  for (bool periodic : {false, true})
    for (int width : {1, 2}) run_case({13, 11}, periodic, width, width);
}

TEST(HaloExchange, ThreeDimensionalAllCombinations) {
  for (bool periodic : {false, true})
    for (int width : {1, 2}) run_case({7, 6, 5}, periodic, width, width);
}

TEST(HaloExchange, OneDimensional) {
  for (bool periodic : {false, true}) run_case({17}, periodic, 2, 2);
}

TEST(HaloExchange, NarrowerThanTheGhostLayers) {
  // width 1 of 2 ghost layers: the outer ghost layer keeps its sentinel
  run_case({12, 10}, true, 2, 1);
  run_case({6, 5, 7}, false, 2, 1);
}

TEST(HaloExchange, ServesBothBuffersOfATimeStepper) {
  const mpi::Comm w = mpi::Comm::world();
  auto L = balanced_layout(w, {9, 14}, true);
  // u and v hold different values, so ghosts filled from the other buffer (or one buffer's sends
  // landing in the other) are wrong values, not equal ones
  const double v_offset = 500000.0;
  DistArray<float> u(L, 1), v(L, 1);
  fill_owned(u);
  fill_owned(v, v_offset);
  HaloExchange halo(u);
  for (int rep = 0; rep < 3; ++rep) {
    halo.start(rep % 2 ? v : u);
    while (!halo.test()) {
    }
    halo.finish();
  }
  EXPECT_EQ(w.sum(count_wrong(u, 1)), 0);
  EXPECT_EQ(w.sum(count_wrong(v, 1, v_offset)), 0);
}

TEST(HaloExchange, RanksOwningNothingAreSkipped) {
  const mpi::Comm w = mpi::Comm::world();
  for (bool periodic : {false, true}) {
    // 3 chunks along dimension 1 over w.size() coordinates: with 4 ranks, one owns nothing
    mpi::ProcessGrid grid(w, {1, w.size()}, {periodic, periodic});
    DistArray<double> a(BlockLayout({4, 9}, {4, 3}, grid), 1);
    fill_owned(a);
    HaloExchange halo(a);
    if (a.empty()) {
      EXPECT_EQ(halo.messages_per_exchange(), 0u);
    }
    halo.exchange(a);
    EXPECT_EQ(w.sum(count_wrong(a, 1)), 0) << "periodic=" << periodic;
  }
}

TEST(HaloExchange, NeighboursAndMessageCounts) {
  const mpi::Comm w = mpi::Comm::world();
  DistArray<double> a(balanced_layout(w, {8, 8}, false), 1);
  HaloExchange halo(a);
  const auto& grid = a.layout().grid();
  size_t faces = 0;
  for (int d = 0; d < 2; ++d) {
    EXPECT_EQ(halo.has_lower(d), grid.coord(d) > 0);
    EXPECT_EQ(halo.has_upper(d), grid.coord(d) + 1 < grid.dim(d));
    faces += halo.has_lower(d) + halo.has_upper(d);
  }
  EXPECT_EQ(halo.messages_per_exchange(), 2 * faces);
}

TEST(HaloExchange, MisuseIsReported) {
  const mpi::Comm w = mpi::Comm::world();
  // a width wider than the cells a rank owns: UsageError on every rank
  {
    mpi::ProcessGrid grid(w, {w.size(), 1}, {true, true});
    DistArray<double> thin(BlockLayout({2, 8}, {1, 8}, grid), 3);
    EXPECT_THROW(HaloExchange(thin, 3), UsageError);
  }
  DistArray<double> a(balanced_layout(w, {8, 8}, true), 1);
  EXPECT_THROW(HaloExchange(a, 2), UsageError);  // wider than the ghost layers
  DistArray<double> no_ghosts(balanced_layout(w, {8, 8}, true), 0);
  EXPECT_THROW(HaloExchange(no_ghosts, -1), UsageError);
  fill_owned(a);
  HaloExchange halo(a);
  // Another global layout is refused on every rank, also on the ranks whose own block has the same
  // allocation (8x9 over a grid that splits the 9 columns leaves some ranks with as many as of 8).
  DistArray<double> other(balanced_layout(w, {8, 9}, true), 1);
  EXPECT_THROW(halo.start(other), Error);
  EXPECT_FALSE(halo.in_flight());
  {  // the same shape over a grid of other periodicity: other neighbours
    DistArray<double> aperiodic(balanced_layout(w, {8, 8}, false), 1);
    EXPECT_THROW(halo.start(aperiodic), Error);
  }
  if (w.size() > 1) {  // the same shape and grid, cut elsewhere: 2 chunks of 5 along the split dimensions
    const auto& grid = a.layout().grid();
    DistArray<double> recut(BlockLayout({8, 8}, {grid.dim(0) > 1 ? 5 : 8, grid.dim(1) > 1 ? 5 : 8}, grid), 1);
    EXPECT_THROW(halo.start(recut), Error);
  }
  DistArray<float> wrong_type(balanced_layout(w, {8, 8}, true), 1);
  EXPECT_THROW(halo.start(wrong_type), Error);
  halo.start(a);
  EXPECT_THROW(halo.start(a), Error);  // one exchange in flight at a time
  halo.finish();
  halo.finish();  // no-op
  HaloExchange moved = std::move(halo);
  moved.exchange(a);
  EXPECT_EQ(w.sum(count_wrong(a, 1)), 0);
}
