// tessera/linalg/gemm_backends.hpp (internal): the backend implementations behind linalg::gemm.
// Arguments are already validated (check_gemm_args) and m, n > 0; row-major as in gemm.hpp.
#pragma once
#include <cstdint>

#include "tessera/gpu/runtime.hpp"

namespace tessera::linalg::detail {

// CBLAS on the host (gemm_blas.cpp). Sizes must fit in the BLAS integer (checked there).
template <typename T>
void gemm_blas(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc);

#ifdef TESSERA_HAVE_CUDA
// Tessera's tiled kernel on device pointers (gemm_kernel.cu).
template <typename T>
void gemm_cuda(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc, gpu::stream_t stream);

// cuBLAS on device pointers, with a cached handle per device (gemm_cublas.cpp).
template <typename T>
void gemm_cublas(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
                 const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc, gpu::stream_t stream);
#endif

}  // namespace tessera::linalg::detail
