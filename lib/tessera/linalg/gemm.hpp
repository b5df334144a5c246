// tessera/linalg/gemm.hpp: local (one rank) matrix multiply, C = alpha * A * B + beta * C, with three
// interchangeable backends:
//   blas    CBLAS (OpenBLAS) on the host,
//   cuda    Tessera's own tiled CUDA kernel (shared-memory tiles, 8x8 register blocking),
//   cublas  cuBLAS (FP32/FP64 SIMT or DMMA, never TF32: results are comparable with the others).
//
// Layout: ROW-MAJOR throughout. A is m x k with element (i, p) at A[i * lda + p] (lda >= k),
// B is k x n (ldb >= n), C is m x n (ldc >= n). Leading dimensions are in elements and may exceed
// the width (sub-blocks of larger arrays); entries outside the m x n part of C are never touched.
// BLAS conventions: when beta == 0, C is not read (it may hold NaN); when alpha == 0 or k == 0,
// A and B are not read. Element types: float and double.
//
//   linalg::gemm(linalg::GemmBackend::blas, m, n, k, 1.0, A, k, B, n, 0.0, C, n);       // host memory
//   linalg::gemm_device(linalg::GemmBackend::cuda, m, n, k, 1.0f, dA, k, dB, n, 0.0f, dC, n, stream);
//
// Errors: bad sizes or leading dimensions, an unknown backend name, or a GPU backend in a build
// without CUDA or on a machine without a device throw tessera::UsageError (exit code 2); a failing
// CUDA/cuBLAS call throws tessera::Error (exit code 3).
#pragma once
#include <cstdint>
#include <string>

#include "tessera/gpu/runtime.hpp"

namespace tessera::linalg {

enum class GemmBackend { blas, cuda, cublas };

// "blas" | "cuda" | "cublas" (exactly; UsageError listing the choices otherwise).
GemmBackend parse_backend(const std::string& name);
const char* to_string(GemmBackend backend);
// True for the backends that run on a GPU (cuda, cublas).
constexpr bool on_device(GemmBackend backend) noexcept { return backend != GemmBackend::blas; }
// Whether `backend` can run here: blas always; cuda and cublas need a CUDA build and a device.
bool backend_available(GemmBackend backend);

// Host API: A, B and C are in host memory. For the GPU backends the matrices are copied to the
// current device, multiplied there and C is copied back (synchronous; meant for tests, small jobs
// and comparisons; keep data on the device with gemm_device for real work).
template <typename T>
void gemm(GemmBackend backend, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A,
          std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc);

// Device API: A, B and C are in memory of the current device; the product is enqueued on `stream`
// (asynchronous: synchronise the stream before reading C). Backends cuda and cublas only; blas
// throws UsageError. Every call with the same stream is ordered, so A/B/C may be reused safely.
template <typename T>
void gemm_device(GemmBackend backend, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
                 const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C,
                 std::int64_t ldc, gpu::stream_t stream);

// Throws UsageError unless m, n, k >= 0 and lda >= max(1, k), ldb >= max(1, n), ldc >= max(1, n).
void check_gemm_args(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda, std::int64_t ldb,
                     std::int64_t ldc);

extern template void gemm<float>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, float,
                                 const float*, std::int64_t, const float*, std::int64_t, float, float*,
                                 std::int64_t);
extern template void gemm<double>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, double,
                                  const double*, std::int64_t, const double*, std::int64_t, double,
                                  double*, std::int64_t);
extern template void gemm_device<float>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, float,
                                        const float*, std::int64_t, const float*, std::int64_t, float,
                                        float*, std::int64_t, gpu::stream_t);
extern template void gemm_device<double>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, double,
                                         const double*, std::int64_t, const double*, std::int64_t,
                                         double, double*, std::int64_t, gpu::stream_t);

}  // namespace tessera::linalg
