// tessera/linalg/summa_plan.cpp: SUMMA's index arithmetic: panels over global k, layouts that fit
// together, buffer sizes, and the small enums and statistics of summa.hpp.
#include <algorithm>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/linalg/summa.hpp"

namespace tessera::linalg {

GpuAware parse_gpu_aware(const std::string& text) {
  if (text == "auto") return GpuAware::automatic;
  if (text == "on") return GpuAware::on;
  if (text == "off") return GpuAware::off;
  throw UsageError("--gpu-aware '" + text + "': choose auto, on or off");
}

const char* to_string(GpuAware mode) {
  switch (mode) {
    case GpuAware::automatic: return "auto";
    case GpuAware::on: return "on";
    case GpuAware::off: return "off";
  }
  return "?";
}

double SummaStats::overlap() const {
  const double hide = comm_s + staging_s;
  if (hide <= 0) return 1.0;
  const double exposed = std::max(0.0, total_s - gemm_s);
  return std::clamp(1.0 - exposed / hide, 0.0, 1.0);
}

std::vector<SummaPanel> plan_panels(const array::BlockLayout& a, const array::BlockLayout& b, Index panel,
                                    bool whole) {
  if (panel < 1) throw UsageError("summa: the panel width must be at least 1, not " + std::to_string(panel));
  if (a.ndims() != 2 || b.ndims() != 2) throw UsageError("summa: A and B must be 2D");
  const Index k = a.shape(1);
  if (b.shape(0) != k)
    throw UsageError("summa: A has " + std::to_string(k) + " columns but B has " + std::to_string(b.shape(0)) +
                     " rows");
  std::vector<SummaPanel> out;
  for (Index k0 = 0; k0 < k;) {
    SummaPanel p;
    p.k0 = k0;
    p.a_owner = a.owner_coord(1, k0);
    p.b_owner = b.owner_coord(0, k0);
    Index end = std::min({k, a.hi(1, p.a_owner), b.hi(0, p.b_owner)});
    if (!whole) end = std::min(end, k0 + panel);
    p.k1 = end;
    out.push_back(p);
    k0 = end;
  }
  return out;
}

SummaLayouts make_summa_layouts(const mpi::ProcessGrid& grid, Index m, Index n, Index k) {
  if (grid.ndims() != 2) throw UsageError("summa needs a 2D process grid, not " + grid.to_string());
  if (m < 1 || n < 1 || k < 1)
    throw UsageError("summa: sizes must be positive (m = " + std::to_string(m) + ", n = " + std::to_string(n) +
                     ", k = " + std::to_string(k) + ")");
  const Index P = grid.dim(0), Q = grid.dim(1);
  auto chunk = [](Index extent, Index parts) { return (extent + parts - 1) / parts; };
  return {array::BlockLayout({m, k}, {chunk(m, P), chunk(k, Q)}, grid),
          array::BlockLayout({k, n}, {chunk(k, P), chunk(n, Q)}, grid),
          array::BlockLayout({m, n}, {chunk(m, P), chunk(n, Q)}, grid)};
}

namespace {

std::string dims_of(const array::BlockLayout& l) { return shape_to_string(l.shape()); }

// Same global ranges along dimension `da` of x and `db` of y for every process coordinate.
bool same_split(const array::BlockLayout& x, int dx, const array::BlockLayout& y, int dy, int parts) {
  for (int p = 0; p < parts; ++p)
    if (x.lo(dx, p) != y.lo(dy, p) || x.hi(dx, p) != y.hi(dy, p)) return false;
  return true;
}

void same_grid(const array::BlockLayout& x, const array::BlockLayout& c, const char* name) {
  if (x.grid_dims() != c.grid_dims())
    throw UsageError(std::string("summa: ") + name + " is on a " + x.grid().to_string() + " grid but C on " +
                     c.grid().to_string());
  if (x.comm().get() == MPI_COMM_NULL || c.comm().get() == MPI_COMM_NULL)
    throw UsageError("summa: the layouts need a process grid with a communicator (not a detached layout)");
  int cmp = MPI_UNEQUAL;
  TESSERA_MPI_CHECK(MPI_Comm_compare(x.comm().get(), c.comm().get(), &cmp));
  if (cmp != MPI_IDENT && cmp != MPI_CONGRUENT)
    throw UsageError(std::string("summa: ") + name + " and C are distributed over different communicators");
  if (x.grid().coords() != c.grid().coords())
    throw UsageError(std::string("summa: ") + name + " and C place this rank at different grid coordinates");
}

}  // namespace

void check_summa_layouts(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c) {
  if (a.ndims() != 2 || b.ndims() != 2 || c.ndims() != 2)
    throw UsageError("summa: A, B and C must be 2D (got " + dims_of(a) + ", " + dims_of(b) + ", " + dims_of(c) + ")");
  const Index m = c.shape(0), n = c.shape(1), k = a.shape(1);
  if (a.shape(0) != m || b.shape(1) != n || b.shape(0) != k)
    throw UsageError("summa: shapes do not fit C = A * B: A is " + dims_of(a) + ", B is " + dims_of(b) + ", C is " +
                     dims_of(c));
  same_grid(a, c, "A");
  same_grid(b, c, "B");
  const int P = c.grid_dim(0), Q = c.grid_dim(1);
  if (!same_split(a, 0, c, 0, P))
    throw UsageError("summa: A's rows are split over the process rows differently from C's (row chunks " +
                     std::to_string(a.chunk(0)) + " vs " + std::to_string(c.chunk(0)) + ")");
  if (!same_split(b, 1, c, 1, Q))
    throw UsageError("summa: B's columns are split over the process columns differently from C's (column chunks " +
                     std::to_string(b.chunk(1)) + " vs " + std::to_string(c.chunk(1)) + ")");
}

SummaMemory summa_workspace(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c,
                            std::size_t elem_size, const SummaOptions& opt, bool direct) {
  SummaMemory mem;
  const int P = c.grid_dim(0), Q = c.grid_dim(1);
  const bool fused = opt.fuse_local && P == 1 && Q == 1;
  Index w = 0;
  for (const auto& p : plan_panels(a, b, opt.panel, fused)) w = std::max(w, p.width());
  const double mloc = static_cast<double>(c.local_box().extent(0));
  const double nloc = static_cast<double>(c.local_box().extent(1));
  const double es = static_cast<double>(elem_size);
  // two slots of an A panel (mloc x w) when A travels along rows, of a B panel (w x nloc) along columns
  const double panels = 2.0 * es * static_cast<double>(w) * ((Q > 1 ? mloc : 0.0) + (P > 1 ? nloc : 0.0));
  if (!on_device(opt.backend)) {
    mem.host_bytes = panels;
  } else {
    mem.device_bytes = panels;
    mem.pinned_bytes = direct ? 0.0 : panels;
  }
  return mem;
}

}  // namespace tessera::linalg
