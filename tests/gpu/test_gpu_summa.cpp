// SUMMA with the GPU backends (own CUDA kernel and cuBLAS) against the blas SUMMA on the same inputs
// and against the serial long double reference, with the host-staging path forced (gpu_aware off:
// pinned buffers, D2H/H2D copies on their own streams, events), on 1x1 (panels not fused, so the
// pipeline runs), 2x1 and 1x2 grids at np2, odd sizes, different splits of k for A and B, float and
// double, alpha/beta, beta = 0 with NaN in C, the device-resident API called twice in a row, the
// statistics of the staging path, and gpu_aware auto/on. Every rank uses device
// node-local-rank % devices (two ranks may share one GPU). Without CUDA or a device: skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../support/summa_reference.hpp"
#include "tessera/core/error.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/freivalds.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/linalg/summa.hpp"
#include "tessera/mpi/comm.hpp"
#include "gpu_skip.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;
using linalg::GemmBackend;
using tessera::testing::a_entry;
using tessera::testing::b_entry;
using tessera::testing::c_entry;
using tessera::testing::count_wrong;
using tessera::testing::GridShape;
using tessera::testing::on_grid;

namespace {


const GridShape kGpuGrids[] = {{1, 1}, {2, 1}, {1, 2}};

struct Case {
  Index m, n, k;
  Index row_chunk, a_k_chunk, b_k_chunk, col_chunk;
  Index panel;
};
// Small odd sizes with k split differently for A and B (panels cut at owner boundaries), and sizes
// around the kernel's 128 x 128 tiles with the vector (n % 4 == 0) and scalar load paths.
const Case kCases[] = {{37, 41, 29, 7, 7, 5, 7, 8},
                       {301, 257, 263, 151, 100, 90, 129, 64},
                       {260, 128, 515, 130, 258, 200, 64, 128}};

// Fills, multiplies with `backend` (staging forced) and with blas, and checks both.
template <typename T>
void gpu_matches_blas(const mpi::ProcessGrid& grid, GemmBackend backend, const Case& c, T alpha, T beta,
                      bool nan_c) {
  SCOPED_TRACE(std::string(linalg::to_string(backend)) + " " + std::to_string(c.m) + "x" + std::to_string(c.n) + "x" +
               std::to_string(c.k) + " panel " + std::to_string(c.panel) + (nan_c ? " C=NaN" : ""));
  BlockLayout la({c.m, c.k}, {c.row_chunk, c.a_k_chunk}, grid);
  BlockLayout lb({c.k, c.n}, {c.b_k_chunk, c.col_chunk}, grid);
  BlockLayout lc({c.m, c.n}, {c.row_chunk, c.col_chunk}, grid);
  DistArray<T> A(la), B(lb), Cg(lc), Ch(lc);
  linalg::fill_by_index(A, a_entry<T>);
  linalg::fill_by_index(B, b_entry<T>);
  if (nan_c) {
    Cg.fill(std::numeric_limits<T>::quiet_NaN());
    Ch.fill(std::numeric_limits<T>::quiet_NaN());
  } else {
    linalg::fill_by_index(Cg, c_entry<T>);
    linalg::fill_by_index(Ch, c_entry<T>);
  }
  linalg::SummaOptions opt;
  opt.backend = backend;
  opt.panel = c.panel;
  opt.gpu_aware = linalg::GpuAware::off;
  opt.fuse_local = false;  // run the pipeline on a 1 x 1 grid too
  linalg::Summa<T> on_gpu(la, lb, lc, opt);
  EXPECT_FALSE(on_gpu.device_direct());
  const auto st = on_gpu.multiply(alpha, A, B, beta, Cg);
  opt.backend = GemmBackend::blas;
  linalg::summa(alpha, A, B, beta, Ch, opt);

  std::string why;
  EXPECT_EQ(count_wrong(Cg, c.k, alpha, beta, nan_c, why), 0) << "GPU vs reference: " << why;
  EXPECT_EQ(count_wrong(Ch, c.k, alpha, beta, nan_c, why), 0) << "blas vs reference: " << why;
  // GPU against blas, entry by entry, within twice the rounding bound of either
  int differ = 0;
  const long double eps = std::numeric_limits<T>::epsilon();
  for (Index r = 0; r < Cg.extent(0) && !Cg.empty(); ++r)
    for (Index q = 0; q < Cg.extent(1); ++q) {
      const Index i = Cg.box().lo[0] + r, j = Cg.box().lo[1] + q;
      long double mag = 0;
      for (Index p = 0; p < c.k; ++p) mag += std::fabs(static_cast<long double>(a_entry<T>(i, p)) * b_entry<T>(p, j));
      const long double c0 = nan_c ? 0.0L : std::fabs(static_cast<long double>(c_entry<T>(i, j)));
      const long double tol = 4.0L * (c.k + 2) * eps * (std::fabs(static_cast<long double>(alpha)) * mag +
                                                         std::fabs(static_cast<long double>(beta)) * c0) +
                              std::numeric_limits<T>::min();
      if (!(std::fabs(static_cast<long double>(Cg.local(r, q)) - Ch.local(r, q)) <= tol)) ++differ;
    }
  EXPECT_EQ(differ, 0) << "GPU and blas results differ";

  // what the staging path did
  EXPECT_EQ(st.panels, static_cast<std::int64_t>(on_gpu.panels().size()));
  EXPECT_GT(st.gemm_s, 0.0);
  EXPECT_FALSE(st.device_direct);
  const bool receives = grid.size() > 1;  // on 2 x 1 / 1 x 2 every rank receives some panel
  if (receives) {
    EXPECT_GT(st.bytes_received, 0.0);
    EXPECT_GT(st.staging_s, 0.0);
  } else {
    EXPECT_EQ(st.bytes_received, 0.0);
    EXPECT_EQ(st.staging_s, 0.0);
  }
  EXPECT_GE(st.overlap(), 0.0);
  EXPECT_LE(st.overlap(), 1.0);
}

template <typename T>
void all_grids_and_backends() {
  for (const auto& g : kGpuGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      for (const auto be : {GemmBackend::cuda, GemmBackend::cublas})
        for (const auto& c : kCases) {
          gpu_matches_blas<T>(grid, be, c, T(1), T(0), true);
          gpu_matches_blas<T>(grid, be, c, T(-1.25), T(0.5), false);
        }
    });
}

}  // namespace

TEST(GpuSumma, FloatStagingMatchesBlas) {
  TESSERA_SKIP_WITHOUT_GPU();
  all_grids_and_backends<float>();
}

TEST(GpuSumma, DoubleStagingMatchesBlas) {
  TESSERA_SKIP_WITHOUT_GPU();
  all_grids_and_backends<double>();
}

// The device-resident API: blocks uploaded once, C = A B then C = A B + C without a host round
// trip (= 2 A B), then Freivalds on the downloaded result.
TEST(GpuSumma, DeviceApiTwiceInARow) {
  TESSERA_SKIP_WITHOUT_GPU();
  for (const auto& g : kGpuGrids)
    on_grid(g, [](const mpi::ProcessGrid& grid) {
      for (const auto be : {GemmBackend::cuda, GemmBackend::cublas}) {
        SCOPED_TRACE(linalg::to_string(be));
        const Index m = 203, n = 190, k = 177;
        const auto L = linalg::make_summa_layouts(grid, m, n, k);
        DistArray<float> A(L.a), B(L.b), C(L.c);
        linalg::fill_by_index(A, a_entry<float>);
        linalg::fill_by_index(B, b_entry<float>);
        linalg::SummaOptions opt;
        opt.backend = be;
        opt.panel = 32;
        opt.gpu_aware = linalg::GpuAware::off;
        linalg::Summa<float> plan(L.a, L.b, L.c, opt);
        const auto um = static_cast<std::size_t>(plan.local_rows()), un = static_cast<std::size_t>(plan.local_cols());
        const auto uka = static_cast<std::size_t>(plan.a_local_cols()),
                   ukb = static_cast<std::size_t>(plan.b_local_rows());
        gpu::DeviceBuffer<float> dA(um * uka), dB(ukb * un), dC(um * un);
        if (!A.empty()) dA.copy_from_host(A.data(), um * uka);  // no ghosts: blocks are dense
        if (!B.empty()) dB.copy_from_host(B.data(), ukb * un);
        plan.multiply_device(1.0f, dA.data(), dB.data(), 0.0f, dC.data());
        const auto st = plan.multiply_device(1.0f, dA.data(), dB.data(), 1.0f, dC.data());
        EXPECT_LE(st.gemm_s, st.total_s * 1.05 + 1e-3);  // device time of the GEMMs fits in the wall time
        if (!C.empty()) dC.copy_to_host(C.data(), um * un);
        std::string why;
        EXPECT_EQ(count_wrong(C, k, 2.0f, 0.0f, true, why), 0) << why;
        linalg::FreivaldsCheck<float> check(n, 3);
        const auto r = check.check(2.0f, A, B, 0.0f, C);
        EXPECT_TRUE(r.passed) << r.residual << " > " << r.tolerance;
      }
    });
}

TEST(GpuSumma, GpuAwareModes) {
  TESSERA_SKIP_WITHOUT_GPU();
  const mpi::Comm world = mpi::Comm::world();
  mpi::ProcessGrid grid(world, {0, 0});
  const auto L = linalg::make_summa_layouts(grid, 64, 48, 80);
  linalg::SummaOptions opt;
  opt.backend = GemmBackend::cublas;
  opt.panel = 16;
  opt.gpu_aware = linalg::GpuAware::automatic;
  {
    linalg::Summa<double> plan(L.a, L.b, L.c, opt);
    EXPECT_EQ(plan.device_direct(), gpu::cuda_aware_mpi());  // auto follows the detection
    DistArray<double> A(L.a), B(L.b), C(L.c);
    linalg::fill_by_index(A, a_entry<double>);
    linalg::fill_by_index(B, b_entry<double>);
    const auto st = plan.multiply(1.0, A, B, 0.0, C);
    EXPECT_EQ(st.device_direct, plan.device_direct());
    std::string why;
    EXPECT_EQ(count_wrong(C, 80, 1.0, 0.0, true, why), 0) << why;
  }
  opt.gpu_aware = linalg::GpuAware::on;
  if (gpu::cuda_aware_mpi()) {
    EXPECT_TRUE(linalg::Summa<double>(L.a, L.b, L.c, opt).device_direct());
  } else {
    EXPECT_THROW(linalg::Summa<double>(L.a, L.b, L.c, opt), UsageError);  // every rank throws
  }
  // the host API's blas backend refuses device pointers
  opt.backend = GemmBackend::blas;
  opt.gpu_aware = linalg::GpuAware::automatic;
  linalg::Summa<double> host(L.a, L.b, L.c, opt);
  EXPECT_THROW(host.multiply_device(1.0, nullptr, nullptr, 0.0, nullptr), UsageError);
}

// alpha = 0: C = beta C, A and B never read (NaN there must not leak in).
TEST(GpuSumma, AlphaZeroScalesC) {
  TESSERA_SKIP_WITHOUT_GPU();
  const mpi::Comm world = mpi::Comm::world();
  mpi::ProcessGrid grid(world, {0, 0});
  const auto L = linalg::make_summa_layouts(grid, 33, 35, 37);
  for (const auto be : {GemmBackend::cuda, GemmBackend::cublas}) {
    DistArray<double> A(L.a), B(L.b), C(L.c);
    A.fill(std::numeric_limits<double>::quiet_NaN());
    B.fill(std::numeric_limits<double>::quiet_NaN());
    linalg::fill_by_index(C, c_entry<double>);
    linalg::SummaOptions opt;
    opt.backend = be;
    opt.panel = 8;
    opt.gpu_aware = linalg::GpuAware::off;
    linalg::summa(0.0, A, B, -3.0, C, opt);
    int bad = 0;
    C.for_each_owned([&](double& v, const Extents& g) { bad += v != -3.0 * c_entry<double>(g[0], g[1]); });
    EXPECT_EQ(world.sum(bad), 0) << linalg::to_string(be);
  }
}
