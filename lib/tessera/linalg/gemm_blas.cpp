// tessera/linalg/gemm_blas.cpp: the blas backend, CBLAS (OpenBLAS on Debian) in row-major order.
// cblas.h stays in this file: its include directory is private to libtessera.
#include <cblas.h>

#include <climits>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/linalg/gemm_backends.hpp"

namespace tessera::linalg::detail {

namespace {

int as_int(std::int64_t v, const char* name) {
  if (v > INT_MAX)
    throw UsageError(std::string("gemm (blas backend): ") + name + " = " + std::to_string(v) +
                     " exceeds the 32-bit BLAS interface");
  return static_cast<int>(v);
}

void call_gemm(int m, int n, int k, float alpha, const float* A, int lda, const float* B, int ldb, float beta,
               float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
void call_gemm(int m, int n, int k, double alpha, const double* A, int lda, const double* B, int ldb,
               double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

template <typename T>
void gemm_blas(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  call_gemm(as_int(m, "m"), as_int(n, "n"), as_int(k, "k"), alpha, A, as_int(lda, "lda"), B,
            as_int(ldb, "ldb"), beta, C, as_int(ldc, "ldc"));
}

template void gemm_blas<float>(std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                               const float*, std::int64_t, float, float*, std::int64_t);
template void gemm_blas<double>(std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                                const double*, std::int64_t, double, double*, std::int64_t);

}  // namespace tessera::linalg::detail
