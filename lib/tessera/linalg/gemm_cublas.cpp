// tessera/linalg/gemm_cublas.cpp: the cublas backend. cuBLAS is column-major; a row-major m x n
// C = A * B is the column-major n x m C^T = B^T * A^T, and a row-major matrix read column-major is
// its transpose, so the call is cublas<t>gemm(N, N, n, m, k, B, ldb, A, lda, C, ldc): no copies.
#ifdef TESSERA_HAVE_CUDA
#include <cublas_v2.h>

#include <climits>
#include <map>
#include <string>

#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/gemm_backends.hpp"

namespace tessera::linalg::detail {

namespace {

void check_cublas(cublasStatus_t rc, const char* call) {
  if (rc != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string(call) + " failed: " + cublasGetStatusString(rc), ExitCode::runtime);
}

// One handle per (thread, device), created on first use and kept: cublasCreate is expensive and a
// handle must not be used by two threads at once. The stream is set on every call (cheap).
class HandleCache {
 public:
  ~HandleCache() {
    for (auto& [device, handle] : handles_) (void)cublasDestroy(handle);
  }
  cublasHandle_t get(int device) {
    auto it = handles_.find(device);
    if (it != handles_.end()) return it->second;
    cublasHandle_t h = nullptr;
    check_cublas(cublasCreate(&h), "cublasCreate");
    // Plain FP32/FP64 arithmetic (no TF32), so the backends agree to rounding.
    check_cublas(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    check_cublas(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST), "cublasSetPointerMode");
    handles_.emplace(device, h);
    return h;
  }

 private:
  std::map<int, cublasHandle_t> handles_;
};

cublasHandle_t handle_for(gpu::stream_t stream) {
  thread_local HandleCache cache;
  cublasHandle_t h = cache.get(gpu::current_device());
  check_cublas(cublasSetStream(h, stream), "cublasSetStream");
  return h;
}

int as_int(std::int64_t v, const char* name) {
  if (v > INT_MAX)
    throw UsageError(std::string("gemm (cublas backend): ") + name + " = " + std::to_string(v) +
                     " exceeds the 32-bit cuBLAS interface");
  return static_cast<int>(v);
}

cublasStatus_t call_gemm(cublasHandle_t h, int m, int n, int k, const float* alpha, const float* A, int lda,
                         const float* B, int ldb, const float* beta, float* C, int ldc) {
  return cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc);
}
cublasStatus_t call_gemm(cublasHandle_t h, int m, int n, int k, const double* alpha, const double* A,
                         int lda, const double* B, int ldb, const double* beta, double* C, int ldc) {
  return cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc);
}

}  // namespace

template <typename T>
void gemm_cublas(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
                 const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc, gpu::stream_t stream) {
  if (m <= 0 || n <= 0) return;
  const int mi = as_int(m, "m"), ni = as_int(n, "n"), ki = as_int(k, "k");
  const int ldai = as_int(lda, "lda"), ldbi = as_int(ldb, "ldb"), ldci = as_int(ldc, "ldc");
  check_cublas(call_gemm(handle_for(stream), mi, ni, ki, &alpha, A, ldai, B, ldbi, &beta, C, ldci),
               sizeof(T) == 4 ? "cublasSgemm" : "cublasDgemm");
}

template void gemm_cublas<float>(std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                                 const float*, std::int64_t, float, float*, std::int64_t, gpu::stream_t);
template void gemm_cublas<double>(std::int64_t, std::int64_t, std::int64_t, double, const double*,
                                  std::int64_t, const double*, std::int64_t, double, double*, std::int64_t,
                                  gpu::stream_t);

}  // namespace tessera::linalg::detail
#endif  // TESSERA_HAVE_CUDA
