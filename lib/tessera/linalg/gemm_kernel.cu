// tessera/linalg/gemm_kernel.cu: launches Tessera's own GEMM kernel (gemm_kernel.cuh) on a stream.
#include <cstdint>
#include <limits>
#include <string>

#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/gemm_backends.hpp"
#include "tessera/linalg/gemm_kernel.cuh"

namespace tessera::linalg::detail {

template <typename T>
void gemm_cuda(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc, gpu::stream_t stream) {
  if (m <= 0 || n <= 0) return;
  if (k == 0 || alpha == T(0)) {
    const dim3 block(256);
    const auto blocks_x = static_cast<unsigned>((n + 255) / 256 < 1024 ? (n + 255) / 256 : 1024);
    const auto blocks_y = static_cast<unsigned>(m < 65535 ? m : 65535);
    kernel::scale_kernel<T><<<dim3(blocks_x, blocks_y), block, 0, stream>>>(m, n, beta, C, ldc);
    TESSERA_CUDA_CHECK(cudaGetLastError());
    return;
  }
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  if (m > kIntMax || n > kIntMax || k > kIntMax || kernel::tile_count(m, n) > kIntMax)
    throw UsageError("gemm (cuda backend): " + std::to_string(m) + " x " + std::to_string(n) + " x " +
                     std::to_string(k) + " is too large for one launch of the kernel (32-bit sizes)");
  const std::int64_t tiles = kernel::tile_count(m, n);
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  const dim3 grid(static_cast<unsigned>(tiles));
  const dim3 block(kernel::kThreads);
  if (kernel::vector_path_ok(A, lda, B, ldb, C, ldc)) {
    kernel::gemm_tiled<T, true><<<grid, block, 0, stream>>>(mi, ni, ki, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    kernel::gemm_tiled<T, false><<<grid, block, 0, stream>>>(mi, ni, ki, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  TESSERA_CUDA_CHECK(cudaGetLastError());
}

template void gemm_cuda<float>(std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                               const float*, std::int64_t, float, float*, std::int64_t, gpu::stream_t);
template void gemm_cuda<double>(std::int64_t, std::int64_t, std::int64_t, double, const double*,
                                std::int64_t, const double*, std::int64_t, double, double*, std::int64_t,
                                gpu::stream_t);

}  // namespace tessera::linalg::detail
