// SUMMA (blas backend) on 1x1, 2x1, 1x2 and 2x2 grids made from sub-communicators of the job (ranks
// beyond the grid's size wait), with sizes that do not divide evenly, different splits of k for A
// and B (panels that must be cut at owner boundaries), ranks that own nothing, ghost layers,
// float and double, alpha/beta; checked element by element against a serial reference computed
// from the same counter-based entries. Also HDF5 in and out, Freivalds' check, and layout errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../support/summa_reference.hpp"
#include "tessera/array/dist_array.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/linalg/freivalds.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/linalg/summa.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;
using linalg::GemmBackend;
using tessera::testing::a_entry;
using tessera::testing::b_entry;
using tessera::testing::c_entry;
using tessera::testing::count_wrong;
using tessera::testing::GridShape;
using tessera::testing::kGrids;
using tessera::testing::on_grid;

namespace {

struct Problem {
  Index m, n, k;
  Index row_chunk, a_k_chunk, b_k_chunk, col_chunk;
  Index panel;
  int ghost = 0;
};

// nan_c: C holds NaN before (only meaningful with beta == 0: C must not be read); nan_ab: A and B
// hold NaN (only meaningful with alpha == 0: A and B must not be read, C = beta * C).
template <typename T>
void check_problem(const mpi::ProcessGrid& grid, const Problem& pb, T alpha, T beta, bool nan_c = false,
                   bool fuse = true, int pieces = 2, bool nan_ab = false) {
  SCOPED_TRACE(std::to_string(pb.m) + "x" + std::to_string(pb.n) + "x" + std::to_string(pb.k) + " panel " +
               std::to_string(pb.panel) + " ghost " + std::to_string(pb.ghost));
  BlockLayout la({pb.m, pb.k}, {pb.row_chunk, pb.a_k_chunk}, grid);
  BlockLayout lb({pb.k, pb.n}, {pb.b_k_chunk, pb.col_chunk}, grid);
  BlockLayout lc({pb.m, pb.n}, {pb.row_chunk, pb.col_chunk}, grid);
  DistArray<T> A(la, pb.ghost), B(lb, pb.ghost), C(lc, pb.ghost);
  if (nan_ab) {
    A.fill(std::numeric_limits<T>::quiet_NaN());
    B.fill(std::numeric_limits<T>::quiet_NaN());
  } else {
    linalg::fill_by_index(A, a_entry<T>);
    linalg::fill_by_index(B, b_entry<T>);
  }
  if (nan_c)
    C.fill(std::numeric_limits<T>::quiet_NaN());
  else
    linalg::fill_by_index(C, c_entry<T>);
  linalg::SummaOptions opt;
  opt.panel = pb.panel;
  opt.fuse_local = fuse;
  opt.host_pieces = pieces;
  opt.min_piece_flops = 0;  // cut even these small GEMMs while a panel is in flight
  linalg::Summa<T> summa(la, lb, lc, opt);
  const auto st = summa.multiply(alpha, A, B, beta, C);
  std::string why;
  const int bad = count_wrong(C, pb.k, alpha, beta, nan_c, why);
  EXPECT_EQ(bad, 0) << why;
  EXPECT_EQ(st.panels, static_cast<std::int64_t>(summa.panels().size()));
  EXPECT_GE(st.total_s, st.gemm_s);
  // the whole of k is covered once
  Index covered = 0;
  for (const auto& p : summa.panels()) covered += p.width();
  EXPECT_EQ(covered, pb.k);
}

template <typename T>
void odd_sizes_all_grids() {
  for (const auto& g : kGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      // 37x29 * 29x41, chunks of 7 for rows/columns and A's k, 5 for B's k: panels of 8 are cut at
      // both splits' owner boundaries.
      check_problem<T>(grid, {37, 41, 29, 7, 7, 5, 7, 8}, T(1), T(0), true, false);
      check_problem<T>(grid, {37, 41, 29, 7, 7, 5, 7, 8}, T(1.5), T(-0.5));
      check_problem<T>(grid, {37, 41, 29, 7, 7, 5, 7, 1}, T(-1), T(2));        // panel 1
      check_problem<T>(grid, {37, 41, 29, 7, 7, 5, 7, 1000}, T(0.75), T(1));   // panel > k
      check_problem<T>(grid, {37, 41, 29, 11, 3, 13, 6, 4, 1}, T(1), T(0.5));  // ghost layers
      // some ranks own nothing: 5 rows and 3 columns in single chunks
      check_problem<T>(grid, {5, 3, 17, 5, 4, 6, 3, 3}, T(2), T(0.25));
      // k = 1
      check_problem<T>(grid, {9, 10, 1, 4, 1, 1, 4, 8}, T(1), T(1));
      // GEMMs cut into 3 and 7 pieces, along rows (m >= n) and along columns (m < n)
      check_problem<T>(grid, {41, 23, 30, 7, 7, 5, 7, 6}, T(1), T(-1), false, true, 3);
      check_problem<T>(grid, {23, 41, 30, 7, 7, 5, 7, 6}, T(1), T(-1), false, true, 7);
    });
}

}  // namespace

namespace {

// BLAS semantics through the whole pipeline (broadcast panels, pieces, the beta of the first panel
// only): beta == 0 ignores C even when it holds NaN, alpha == 0 ignores A and B (NaN there) and
// leaves beta * C, with one panel and with many, fused and in pieces.
template <typename T>
void blas_semantics(const mpi::ProcessGrid& grid) {
  const Problem many{37, 41, 29, 7, 7, 5, 7, 4}, one{37, 41, 29, 7, 7, 5, 7, 1000};
  for (const Problem& pb : {many, one})
    for (bool fuse : {true, false}) {
      SCOPED_TRACE(fuse ? "fused" : "not fused");
      check_problem<T>(grid, pb, T(1.25), T(0), true, fuse, 3);                // beta = 0, C NaN
      check_problem<T>(grid, pb, T(0), T(-0.5), false, fuse, 3, true);         // alpha = 0, A and B NaN
      check_problem<T>(grid, pb, T(0), T(1), false, fuse, 3, true);            // alpha = 0, beta = 1: C unchanged
      check_problem<T>(grid, pb, T(0), T(0), true, fuse, 3, true);             // all NaN in, zeros out
    }
}

// Process grids of one row or one column of every rank of the job (1 x P and P x 1): at 3, 5 and
// 7 ranks (tests/CMakeLists.txt runs this one at 5 and 7 too) the rows or columns of C are cut in
// uneven, odd pieces and the k panels travel along a line of prime length.
template <typename T>
void line_grids() {
  const int P = mpi::Comm::world().size();
  for (const GridShape g : {GridShape{1, P}, GridShape{P, 1}})
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      check_problem<T>(grid, {37, 41, 29, 7, 7, 5, 7, 8}, T(1.5), T(-0.5));
      check_problem<T>(grid, {37, 41, 29, 3, 4, 6, 2, 5}, T(-1), T(2), false, false, 2);
      check_problem<T>(grid, {5, 3, 17, 5, 4, 6, 3, 3}, T(2), T(0.25));  // most ranks own nothing
      check_problem<T>(grid, {29, 31, 23, 2, 3, 2, 3, 6}, T(1), T(0), true, true, 7);
      check_problem<T>(grid, {29, 31, 23, 2, 3, 2, 3, 6}, T(0), T(0.5), false, true, 2, true);
    });
}

}  // namespace

TEST(SummaSemantics, DoubleBetaZeroAndAlphaZeroOnEveryGrid) {
  for (const auto& g : kGrids) on_grid(g, blas_semantics<double>);
}
TEST(SummaSemantics, FloatBetaZeroAndAlphaZeroOnEveryGrid) {
  for (const auto& g : kGrids) on_grid(g, blas_semantics<float>);
}
TEST(SummaSemantics, EmptyKIsAUsageError) {
  // a distributed array has no empty dimension: k = 0 is refused when the layouts are made
  mpi::ProcessGrid grid(mpi::Comm::world(), {0, 0});
  EXPECT_THROW(linalg::make_summa_layouts(grid, 8, 8, 0), UsageError);
}

TEST(SummaLines, DoubleOnOneRowAndOneColumnOfEveryRank) { line_grids<double>(); }
TEST(SummaLines, FloatOnOneRowAndOneColumnOfEveryRank) { line_grids<float>(); }

TEST(Summa, DoubleOddSizesOnEveryGrid) { odd_sizes_all_grids<double>(); }
TEST(Summa, FloatOddSizesOnEveryGrid) { odd_sizes_all_grids<float>(); }

TEST(Summa, DefaultLayoutsAndOneOffCall) {
  for (const auto& g : kGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      const auto L = linalg::make_summa_layouts(grid, 50, 31, 43);
      DistArray<double> A(L.a), B(L.b), C(L.c);
      linalg::fill_by_index(A, a_entry<double>);
      linalg::fill_by_index(B, b_entry<double>);
      linalg::fill_by_index(C, c_entry<double>);
      linalg::SummaOptions opt;
      opt.panel = 6;
      linalg::summa(0.5, A, B, -1.0, C, opt);
      std::string why;
      EXPECT_EQ(count_wrong(C, 43, 0.5, -1.0, false, why), 0) << why;
    });
}

TEST(Summa, OneByOneGridFusesThePanels) {
  on_grid({1, 1}, [](const mpi::ProcessGrid& grid) {
    const auto L = linalg::make_summa_layouts(grid, 20, 20, 100);
    linalg::SummaOptions opt;
    opt.panel = 8;
    EXPECT_EQ(linalg::Summa<double>(L.a, L.b, L.c, opt).panels().size(), 1u);
    opt.fuse_local = false;
    EXPECT_EQ(linalg::Summa<double>(L.a, L.b, L.c, opt).panels().size(), 13u);
  });
}

TEST(Summa, MismatchedLayoutsAreUsageErrors) {
  const mpi::Comm world = mpi::Comm::world();
  mpi::ProcessGrid grid(world, {0, 0});
  const int P = grid.dim(0);
  const Index m = 8 * P;
  BlockLayout la({m, 10}, {4, 5}, grid), lb({10, 12}, {5, 6}, grid), lc({m, 12}, {4, 6}, grid);
  EXPECT_NO_THROW(linalg::check_summa_layouts(la, lb, lc));
  BlockLayout bad_k({11, 12}, {5, 6}, grid);
  EXPECT_THROW(linalg::check_summa_layouts(la, bad_k, lc), UsageError);
  BlockLayout bad_n({m, 13}, {4, 6}, grid);
  EXPECT_THROW(linalg::check_summa_layouts(la, lb, bad_n), UsageError);
  if (P > 1) {  // other row chunks than C's: different owners of A's and C's rows
    BlockLayout rows_differ({m, 10}, {3, 5}, grid);
    EXPECT_THROW(linalg::check_summa_layouts(rows_differ, lb, lc), UsageError);
  }
  linalg::SummaOptions opt;
  opt.panel = 0;
  EXPECT_THROW(linalg::Summa<double>(la, lb, lc, opt), UsageError);
  // an array of another layout than planned
  linalg::Summa<double> plan(la, lb, lc);
  DistArray<double> A(la), B(lb), C2(BlockLayout({m, 12}, {2, 6}, grid));
  EXPECT_THROW(plan.multiply(1.0, A, B, 0.0, C2), UsageError);
  // detached layouts have no communicator
  BlockLayout da({m, 10}, {4, 5}, grid.dims()), db({10, 12}, {5, 6}, grid.dims()), dc({m, 12}, {4, 6}, grid.dims());
  EXPECT_THROW(linalg::check_summa_layouts(da, db, dc), UsageError);
}

TEST(Summa, GpuBackendWithoutDeviceIsAUsageError) {
  if (gpu::visible_device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
  const mpi::Comm world = mpi::Comm::world();
  mpi::ProcessGrid grid(world, {0, 0});
  const auto L = linalg::make_summa_layouts(grid, 10, 10, 10);
  for (const auto b : {GemmBackend::cuda, GemmBackend::cublas}) {
    linalg::SummaOptions opt;
    opt.backend = b;
    EXPECT_THROW(linalg::Summa<float>(L.a, L.b, L.c, opt), UsageError);
  }
  linalg::Summa<float> host(L.a, L.b, L.c);
  EXPECT_THROW(host.multiply_device(1.0f, nullptr, nullptr, 0.0f, nullptr), UsageError);
}

TEST(Summa, HdfInputAndOutputAcrossLayouts) {
  const mpi::Comm world = mpi::Comm::world();
  const std::string dir = world.bcast_string(
      (std::filesystem::temp_directory_path() / ("tessera-summa-" + std::to_string(::getpid()))).string());
  if (world.rank() == 0) std::filesystem::create_directories(dir);
  world.barrier();
  const std::string in = dir + "/ab.h5", out = dir + "/c.h5";
  const Index m = 37, n = 41, k = 29;
  mpi::ProcessGrid grid(world, {0, 0});
  {  // written in 7 x 7 chunks
    DistArray<double> A(BlockLayout({m, k}, {7, 7}, grid)), B(BlockLayout({k, n}, {7, 7}, grid));
    linalg::fill_by_index(A, a_entry<double>);
    linalg::fill_by_index(B, b_entry<double>);
    io::OutputFile f(world, in);
    io::write_array(f.file(), "/fields/A", A);
    io::write_array(f.file(), "/fields/B", B);
    f.commit();
  }
  const auto L = linalg::make_summa_layouts(grid, m, n, k);
  DistArray<double> A(L.a), B(L.b), C(L.c);
  {
    auto f = io::File::open(world, in, io::Mode::read);
    io::read_array(f, "/fields/A", A);
    io::read_array(f, "/fields/B", B);
  }
  linalg::SummaOptions opt;
  opt.panel = 5;
  linalg::summa(1.0, A, B, 0.0, C, opt);
  {
    io::OutputFile f(world, out);
    io::write_array(f.file(), "/fields/C", C);
    f.commit();
  }
  // read back in a layout of other chunks and check every element
  DistArray<double> back(BlockLayout({m, n}, {5, 9}, grid));
  {
    auto f = io::File::open(world, out, io::Mode::read);
    io::read_array(f, "/fields/C", back);
  }
  std::string why;
  EXPECT_EQ(world.sum(count_wrong(back, k, 1.0, 0.0, true, why)), 0) << why;
  world.barrier();
  if (world.rank() == 0) std::filesystem::remove_all(dir);
}

template <typename T>
void freivalds_sees_errors() {
  for (const auto& g : kGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      const Index m = 45, n = 38, k = 52;
      const auto L = linalg::make_summa_layouts(grid, m, n, k);
      DistArray<T> A(L.a), B(L.b), C(L.c);
      linalg::fill_by_index(A, a_entry<T>);
      linalg::fill_by_index(B, b_entry<T>);
      linalg::fill_by_index(C, c_entry<T>);
      linalg::FreivaldsCheck<T> check(n, 7);
      check.record_initial(C);
      linalg::SummaOptions opt;
      opt.panel = 16;
      linalg::summa(T(1.25), A, B, T(-0.5), C, opt);
      const auto good = check.check(T(1.25), A, B, T(-0.5), C);
      EXPECT_TRUE(good.passed) << good.residual << " > " << good.tolerance;
      EXPECT_LT(good.residual, good.tolerance);
      EXPECT_DOUBLE_EQ(good.tolerance, 2.0 * (k + 2) * std::numeric_limits<T>::epsilon());
      // the same C judged against another beta fails
      EXPECT_FALSE(check.check(T(1.25), A, B, T(0.5), C).passed);
      // one element off by 1 fails, wherever it is
      const Extents where{m - 1, n / 2, 0};
      if (C.box().contains(where)) C.global(where) += T(1);
      const auto bad = check.check(T(1.25), A, B, T(-0.5), C);
      EXPECT_FALSE(bad.passed) << bad.residual;
      EXPECT_GT(bad.residual, 10 * bad.tolerance);
    });
}

TEST(Freivalds, DoublePassesExactAndCatchesOneWrongElement) { freivalds_sees_errors<double>(); }
TEST(Freivalds, FloatPassesExactAndCatchesOneWrongElement) { freivalds_sees_errors<float>(); }

TEST(Freivalds, MatvecMatchesSerial) {
  for (const auto& g : kGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      DistArray<double> M(BlockLayout({13, 17}, {3, 4}, grid));
      linalg::fill_by_index(M, [](Index i, Index j) { return static_cast<double>(i * 100 + j) - 600.0; });
      std::vector<long double> x(17), xa(17), y, ya;
      for (int j = 0; j < 17; ++j) x[static_cast<std::size_t>(j)] = (j % 3) - 1.0L, xa[static_cast<std::size_t>(j)] = 1;
      linalg::distributed_matvec(M, x, y, &xa, &ya);
      ASSERT_EQ(y.size(), 13u);
      for (int i = 0; i < 13; ++i) {
        long double s = 0, sa = 0;
        for (int j = 0; j < 17; ++j) {
          s += (i * 100.0L + j - 600.0L) * x[static_cast<std::size_t>(j)];
          sa += std::fabs(i * 100.0L + j - 600.0L);
        }
        EXPECT_EQ(y[static_cast<std::size_t>(i)], s) << i;
        EXPECT_EQ(ya[static_cast<std::size_t>(i)], sa) << i;
      }
    });
}
