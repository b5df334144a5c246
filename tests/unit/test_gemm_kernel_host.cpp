// The own CUDA GEMM kernel (lib/tessera/linalg/gemm_kernel.cuh) compiled for the HOST and run with
// one std::thread per CUDA thread and a barrier for __syncthreads, block after block. No GPU is
// needed: this checks the kernel's index arithmetic (tiles, swizzle, edges, the transposed shared
// tile, double buffering, vector and scalar paths, alpha/beta) on every machine, under the
// sanitizers too. Speed and real-device behaviour are tests/gpu's and bench/'s business.
//
// This file must not include any CUDA header: the shims below stand in for CUDA's own names.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "../support/gemm_reference.hpp"

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
namespace {
pthread_barrier_t block_barrier;
}
inline void __syncthreads() { pthread_barrier_wait(&block_barrier); }
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) double2 {
  double x, y;
};
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static  // one block at a time: a function-static is the block's shared memory
#define __launch_bounds__(...)
#define TESSERA_UNROLL
#include "tessera/linalg/gemm_kernel.cuh"

namespace kernel = tessera::linalg::kernel;
using tessera::testing::check_gemm;
using tessera::testing::GemmProblem;

namespace {

// Launches gemm_tiled<T, kVec> on the host: tile_count(m, n) blocks of kThreads threads.
template <typename T, bool kVec>
void launch(GemmProblem<T>& p, T* C) {
  const auto blocks = kernel::tile_count(p.m, p.n);
  blockDim.x = kernel::kThreads;
  gridDim.x = static_cast<unsigned>(blocks);
  pthread_barrier_init(&block_barrier, nullptr, kernel::kThreads);
  for (std::int64_t b = 0; b < blocks; ++b) {
    std::vector<std::thread> threads;
    threads.reserve(kernel::kThreads);
    for (int t = 0; t < kernel::kThreads; ++t)
      threads.emplace_back([&, b, t] {
        blockIdx.x = static_cast<unsigned>(b);
        threadIdx.x = static_cast<unsigned>(t);
        kernel::gemm_tiled<T, kVec>(static_cast<int>(p.m), static_cast<int>(p.n), static_cast<int>(p.k), p.alpha,
                                    p.A.data(), p.lda, p.B.data(), p.ldb, p.beta, C, p.ldc);
      });
    for (auto& th : threads) th.join();
  }
  pthread_barrier_destroy(&block_barrier);
}

// Runs the scalar path, and the vector path where the layout allows it, against the reference.
template <typename T>
void check_kernel(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t pad, T alpha, T beta,
                  bool expect_vector) {
  SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " pad " + std::to_string(pad));
  GemmProblem<T> p(m, n, k, pad, alpha, beta);
  if (beta == T(0))  // C must not be read
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) p.C[static_cast<std::size_t>(i * p.ldc + j)] = std::nan("");
  p.C0 = p.C;
  std::vector<T> c = p.C;
  launch<T, false>(p, c.data());
  EXPECT_EQ(check_gemm(p, c), "") << "scalar path";
  c = p.C;
  const bool vector_ok = kernel::vector_path_ok(p.A.data(), p.lda, p.B.data(), p.ldb, c.data(), p.ldc);
  EXPECT_EQ(vector_ok, expect_vector);
  if (vector_ok) {
    launch<T, true>(p, c.data());
    EXPECT_EQ(check_gemm(p, c), "") << "vector path";
  }
}

}  // namespace

TEST(GemmKernelOnHost, FloatEdgesAndTiles) {
  check_kernel<float>(1, 1, 1, 0, 1.5f, 0.0f, false);
  check_kernel<float>(7, 13, 5, 3, 1.25f, -0.5f, true);       // odd sizes, aligned leading dimensions
  check_kernel<float>(33, 17, 65, 0, 1.0f, 0.0f, false);      // odd leading dimensions: scalar only
  check_kernel<float>(129, 68, 36, 0, -2.0f, 0.5f, true);     // a row over one tile, k-step half full
  check_kernel<float>(128, 128, 16, 0, 1.0f, 1.0f, true);     // exactly one tile, two k-steps
  check_kernel<float>(130, 260, 12, 4, 0.75f, -1.0f, true);   // column tile edges with padding
}

TEST(GemmKernelOnHost, DoubleEdgesAndTiles) {
  check_kernel<double>(1, 1, 1, 0, 1.5, 0.0, false);
  check_kernel<double>(7, 13, 5, 3, 1.25, -0.5, true);
  check_kernel<double>(129, 66, 30, 0, -2.0, 0.5, true);
  check_kernel<double>(200, 7, 100, 1, 1.0, 0.25, false);
}

TEST(GemmKernelOnHost, SwizzleCoversEveryTileOnce) {
  // 10 tile rows (more than one group of 8, the last group partial) x 3 tile columns
  check_kernel<float>(1157, 300, 4, 0, 1.0f, 0.5f, true);
}
