// tessera/linalg/gemm.cpp: backend choice, argument checks, and the host API's staging through the
// device for the GPU backends.
#include "tessera/linalg/gemm.hpp"

#include <algorithm>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/linalg/gemm_backends.hpp"

namespace tessera::linalg {

GemmBackend parse_backend(const std::string& name) {
  if (name == "blas") return GemmBackend::blas;
  if (name == "cuda") return GemmBackend::cuda;
  if (name == "cublas") return GemmBackend::cublas;
  throw UsageError("unknown GEMM backend '" + name + "' (choose blas, cuda or cublas)");
}

const char* to_string(GemmBackend backend) {
  switch (backend) {
    case GemmBackend::blas: return "blas";
    case GemmBackend::cuda: return "cuda";
    case GemmBackend::cublas: return "cublas";
  }
  return "unknown";
}

bool backend_available(GemmBackend backend) {
  if (!on_device(backend)) return true;
  return gpu::built_with_cuda() && gpu::visible_device_count() > 0;
}

void check_gemm_args(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda, std::int64_t ldb,
                     std::int64_t ldc) {
  auto str = [](std::int64_t v) { return std::to_string(v); };
  if (m < 0 || n < 0 || k < 0)
    throw UsageError("gemm: negative size (m = " + str(m) + ", n = " + str(n) + ", k = " + str(k) + ")");
  if (lda < std::max<std::int64_t>(1, k))
    throw UsageError("gemm: lda = " + str(lda) + " is smaller than k = " + str(k) + " (row-major A)");
  if (ldb < std::max<std::int64_t>(1, n))
    throw UsageError("gemm: ldb = " + str(ldb) + " is smaller than n = " + str(n) + " (row-major B)");
  if (ldc < std::max<std::int64_t>(1, n))
    throw UsageError("gemm: ldc = " + str(ldc) + " is smaller than n = " + str(n) + " (row-major C)");
}

namespace {

std::string backend_label(GemmBackend backend) {
  return std::string("the ") + to_string(backend) + " GEMM backend";
}

// C = beta * C on the host (alpha == 0 or k == 0: A and B are not read; beta == 0 writes zeros).
template <typename T>
void scale_host(std::int64_t m, std::int64_t n, T beta, T* C, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = C + i * ldc;
    for (std::int64_t j = 0; j < n; ++j) row[j] = beta == T(0) ? T(0) : beta * row[j];
  }
}

}  // namespace

template <typename T>
void gemm_device(GemmBackend backend, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A,
                 std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc,
                 gpu::stream_t stream) {
  check_gemm_args(m, n, k, lda, ldb, ldc);
  if (!on_device(backend))
    throw UsageError("gemm_device: the blas backend works on host memory; use gemm() or a GPU backend");
#ifdef TESSERA_HAVE_CUDA
  if (m == 0 || n == 0) return;
  // alpha == 0 or k == 0 goes to the own kernel's scaling path for both: A and B are never read.
  if (backend == GemmBackend::cuda || k == 0 || alpha == T(0))
    detail::gemm_cuda(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, stream);
  else
    detail::gemm_cublas(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, stream);
#else
  gpu::throw_no_cuda(backend_label(backend));
#endif
}

template <typename T>
void gemm(GemmBackend backend, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A,
          std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  check_gemm_args(m, n, k, lda, ldb, ldc);
  if (!on_device(backend)) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == T(0))
      scale_host(m, n, beta, C, ldc);
    else
      detail::gemm_blas(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  gpu::require_device(backend_label(backend));  // UsageError without CUDA or without a device
  if (m == 0 || n == 0) return;
  // Stage through the device with the host's leading dimensions (keeps the kernel's vector path
  // whenever the host layout allows it); only the m x k, k x n and m x n parts are copied.
  const auto um = static_cast<std::size_t>(m), un = static_cast<std::size_t>(n),
             uk = static_cast<std::size_t>(k);
  const auto ulda = static_cast<std::size_t>(lda), uldb = static_cast<std::size_t>(ldb),
             uldc = static_cast<std::size_t>(ldc);
  gpu::Stream stream;
  gpu::DeviceBuffer<T> dA(k > 0 ? (um - 1) * ulda + uk : 0);
  gpu::DeviceBuffer<T> dB(k > 0 ? (uk - 1) * uldb + un : 0);
  gpu::DeviceBuffer<T> dC((um - 1) * uldc + un);
  if (k > 0 && alpha != T(0)) {
    gpu::copy_matrix_to_device_async(dA.data(), ulda, A, ulda, um, uk, stream);
    gpu::copy_matrix_to_device_async(dB.data(), uldb, B, uldb, uk, un, stream);
  }
  if (beta != T(0)) gpu::copy_matrix_to_device_async(dC.data(), uldc, C, uldc, um, un, stream);
  gemm_device(backend, m, n, k, alpha, dA.data(), lda, dB.data(), ldb, beta, dC.data(), ldc, stream.get());
  gpu::copy_matrix_to_host_async(C, uldc, dC.data(), uldc, um, un, stream);
  stream.synchronize();
}

template void gemm<float>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                          std::int64_t, const float*, std::int64_t, float, float*, std::int64_t);
template void gemm<double>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                           std::int64_t, const double*, std::int64_t, double, double*, std::int64_t);
template void gemm_device<float>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                                 std::int64_t, const float*, std::int64_t, float, float*, std::int64_t,
                                 gpu::stream_t);
template void gemm_device<double>(GemmBackend, std::int64_t, std::int64_t, std::int64_t, double,
                                  const double*, std::int64_t, const double*, std::int64_t, double, double*,
                                  std::int64_t, gpu::stream_t);

}  // namespace tessera::linalg
