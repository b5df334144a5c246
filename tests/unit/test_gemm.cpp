// linalg GEMM: the blas backend against a naive reference, argument checks, backend names, and the
// errors of the GPU backends where there is no CUDA build or no device.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../support/gemm_reference.hpp"
#include "tessera/core/error.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/gemm.hpp"

using tessera::linalg::GemmBackend;
using tessera::testing::check_gemm;
using tessera::testing::GemmProblem;
namespace linalg = tessera::linalg;

namespace {

struct Shape {
  std::int64_t m, n, k;
};
const Shape kShapes[] = {{1, 1, 1}, {7, 13, 5}, {33, 17, 65}, {129, 65, 31}, {64, 1, 200}, {1, 90, 3}};

template <typename T>
void run(GemmBackend backend, GemmProblem<T>& p) {
  linalg::gemm<T>(backend, p.m, p.n, p.k, p.alpha, p.A.data(), p.lda, p.B.data(), p.ldb, p.beta, p.C.data(),
                  p.ldc);
}

template <typename T>
void blas_matches_reference() {
  for (const auto& s : kShapes) {
    for (const std::int64_t pad : {0, 3}) {
      GemmProblem<T> p(s.m, s.n, s.k, pad, T(1.25), T(-0.5));
      run(GemmBackend::blas, p);
      EXPECT_EQ(check_gemm(p, p.C), "") << s.m << "x" << s.n << "x" << s.k << " pad " << pad;
    }
  }
}

}  // namespace

TEST(GemmBlas, FloatMatchesNaiveReference) { blas_matches_reference<float>(); }
TEST(GemmBlas, DoubleMatchesNaiveReference) { blas_matches_reference<double>(); }

TEST(GemmBlas, BetaZeroDoesNotReadC) {
  GemmProblem<double> p(9, 11, 4, 2, 2.0, 0.0);
  for (std::int64_t i = 0; i < p.m; ++i)
    for (std::int64_t j = 0; j < p.n; ++j) p.C[static_cast<std::size_t>(i * p.ldc + j)] = std::nan("");
  run(GemmBackend::blas, p);
  EXPECT_EQ(check_gemm(p, p.C), "");
}

TEST(GemmBlas, AlphaZeroOrEmptyKScalesC) {
  // alpha == 0: A and B are not read (NaN there must not leak into C)
  GemmProblem<float> p(5, 6, 7, 1, 0.0f, 3.0f);
  for (auto& a : p.A) a = std::numeric_limits<float>::quiet_NaN();
  run(GemmBackend::blas, p);
  EXPECT_EQ(check_gemm(p, p.C), "");
  // k == 0: C = beta * C; with beta == 0 too, C = 0
  GemmProblem<double> q(4, 3, 0, 2, 1.0, 0.0);
  run(GemmBackend::blas, q);
  for (std::int64_t i = 0; i < q.m; ++i)
    for (std::int64_t j = 0; j < q.n; ++j) EXPECT_EQ(q.C[static_cast<std::size_t>(i * q.ldc + j)], 0.0);
  EXPECT_EQ(check_gemm(q, q.C), "");
}

// BLAS semantics on every host backend, float and double: beta == 0 never reads C (NaN and Inf
// there vanish), alpha == 0 never reads A or B (C = beta * C, NaN in A and B vanish), k == 0 gives
// C = beta * C (zeros when beta == 0, whatever C held). The padding of C is never touched.
template <typename T>
void blas_semantics(GemmBackend backend) {
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  auto poison_c = [&](GemmProblem<T>& p) {
    for (std::int64_t i = 0; i < p.m; ++i)
      for (std::int64_t j = 0; j < p.n; ++j) p.C[static_cast<std::size_t>(i * p.ldc + j)] = (i + j) % 2 ? nan : -inf;
    p.C0 = p.C;
  };
  auto zeros_in_c = [](const GemmProblem<T>& p) {
    int bad = 0;
    for (std::int64_t i = 0; i < p.m; ++i)
      for (std::int64_t j = 0; j < p.n; ++j) bad += !(p.C[static_cast<std::size_t>(i * p.ldc + j)] == T(0));
    return bad;
  };
  for (const auto& s : kShapes) {
    SCOPED_TRACE(std::string(linalg::to_string(backend)) + " " + std::to_string(s.m) + "x" + std::to_string(s.n) +
                 "x" + std::to_string(s.k));
    {  // beta == 0: C holds NaN and -Inf, the result is alpha * A * B alone
      GemmProblem<T> p(s.m, s.n, s.k, 2, T(1.5), T(0));
      poison_c(p);
      run(backend, p);
      EXPECT_EQ(check_gemm(p, p.C), "") << "beta = 0";
    }
    for (const T beta : {T(0), T(1), T(-0.75)}) {  // alpha == 0: A and B hold NaN, C = beta * C
      GemmProblem<T> p(s.m, s.n, s.k, 1, T(0), beta);
      for (auto& a : p.A) a = nan;
      for (auto& b : p.B) b = nan;
      if (beta == T(0)) poison_c(p);
      run(backend, p);
      EXPECT_EQ(check_gemm(p, p.C), "") << "alpha = 0, beta = " << beta;
      if (beta == T(0)) {
        EXPECT_EQ(zeros_in_c(p), 0) << "alpha = 0, beta = 0";
      }
    }
    for (const T beta : {T(0), T(2), T(1)}) {  // k == 0: C = beta * C, no A or B at all
      GemmProblem<T> p(s.m, s.n, 0, 3, T(1), beta);
      if (beta == T(0)) poison_c(p);
      linalg::gemm<T>(backend, p.m, p.n, 0, p.alpha, nullptr, 1, nullptr, p.ldb, p.beta, p.C.data(), p.ldc);
      EXPECT_EQ(check_gemm(p, p.C), "") << "k = 0, beta = " << beta;
      if (beta == T(0)) {
        EXPECT_EQ(zeros_in_c(p), 0) << "k = 0, beta = 0";
      }
    }
  }
}

template <typename T>
void blas_semantics_on_every_host_backend() {
  int host_backends = 0;
  for (const auto b : {GemmBackend::blas, GemmBackend::cuda, GemmBackend::cublas})
    if (!linalg::on_device(b)) {
      ++host_backends;
      blas_semantics<T>(b);
    }
  EXPECT_GE(host_backends, 1);
}

TEST(GemmSemantics, FloatBetaZeroAlphaZeroAndEmptyK) { blas_semantics_on_every_host_backend<float>(); }
TEST(GemmSemantics, DoubleBetaZeroAlphaZeroAndEmptyK) { blas_semantics_on_every_host_backend<double>(); }

TEST(GemmBlas, EmptyResultIsANoOp) {
  std::vector<double> c{1.0};
  EXPECT_NO_THROW(linalg::gemm<double>(GemmBackend::blas, 0, 1, 3, 1.0, nullptr, 3, nullptr, 1, 0.0, c.data(), 1));
  EXPECT_EQ(c[0], 1.0);
}

TEST(Gemm, ParseBackend) {
  EXPECT_EQ(linalg::parse_backend("blas"), GemmBackend::blas);
  EXPECT_EQ(linalg::parse_backend("cuda"), GemmBackend::cuda);
  EXPECT_EQ(linalg::parse_backend("cublas"), GemmBackend::cublas);
  for (const auto b : {GemmBackend::blas, GemmBackend::cuda, GemmBackend::cublas})
    EXPECT_EQ(linalg::parse_backend(linalg::to_string(b)), b);
  for (const char* bad : {"", "BLAS", "mkl", "cuda ", "gpu"}) {
    try {
      linalg::parse_backend(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const tessera::UsageError& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(std::string(e.what()).find("blas, cuda or cublas"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(linalg::on_device(GemmBackend::blas));
  EXPECT_TRUE(linalg::on_device(GemmBackend::cublas));
  EXPECT_TRUE(linalg::backend_available(GemmBackend::blas));
}

TEST(Gemm, BadSizesAndLeadingDimensionsAreUsageErrors) {
  EXPECT_THROW(linalg::check_gemm_args(-1, 2, 2, 2, 2, 2), tessera::UsageError);
  EXPECT_THROW(linalg::check_gemm_args(2, 2, 3, 2, 2, 2), tessera::UsageError);  // lda < k
  EXPECT_THROW(linalg::check_gemm_args(2, 4, 3, 3, 3, 4), tessera::UsageError);  // ldb < n
  EXPECT_THROW(linalg::check_gemm_args(2, 4, 3, 3, 4, 3), tessera::UsageError);  // ldc < n
  EXPECT_THROW(linalg::check_gemm_args(2, 0, 0, 0, 1, 1), tessera::UsageError);  // lda < 1
  EXPECT_NO_THROW(linalg::check_gemm_args(2, 4, 3, 3, 4, 4));
  EXPECT_NO_THROW(linalg::check_gemm_args(0, 0, 0, 1, 1, 1));
  std::vector<float> a(6), b(6), c(4);
  EXPECT_THROW(linalg::gemm<float>(GemmBackend::blas, 2, 2, 3, 1.f, a.data(), 2, b.data(), 2, 0.f, c.data(), 2),
               tessera::UsageError);
}

TEST(Gemm, DeviceApiRejectsTheHostBackend) {
  EXPECT_THROW(linalg::gemm_device<double>(GemmBackend::blas, 1, 1, 1, 1.0, nullptr, 1, nullptr, 1, 0.0, nullptr, 1,
                                           nullptr),
               tessera::UsageError);
}

#ifndef TESSERA_HAVE_CUDA
TEST(GemmNoCuda, GpuBackendsSayTheBuildHasNoCuda) {
  GemmProblem<float> p(3, 3, 3, 0, 1.f, 0.f);
  for (const auto b : {GemmBackend::cuda, GemmBackend::cublas}) {
    EXPECT_FALSE(linalg::backend_available(b));
    try {
      run(b, p);
      ADD_FAILURE() << "backend " << linalg::to_string(b) << " ran without CUDA";
    } catch (const tessera::UsageError& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(std::string(e.what()).find("no CUDA support"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("-DTESSERA_ENABLE_CUDA=ON"), std::string::npos) << e.what();
    }
    EXPECT_THROW(linalg::gemm_device<float>(b, 1, 1, 1, 1.f, nullptr, 1, nullptr, 1, 0.f, nullptr, 1, nullptr),
                 tessera::UsageError);
  }
}

TEST(GemmNoCuda, GpuRuntimeSaysTheBuildHasNoCuda) {
  EXPECT_FALSE(tessera::gpu::built_with_cuda());
  EXPECT_EQ(tessera::gpu::visible_device_count(), 0);
  EXPECT_THROW(tessera::gpu::DeviceBuffer<float>(16), tessera::UsageError);
  EXPECT_THROW(tessera::gpu::PinnedBuffer<double>(16), tessera::UsageError);
  EXPECT_THROW(tessera::gpu::Stream(), tessera::UsageError);
  EXPECT_THROW(tessera::gpu::Event(), tessera::UsageError);
  EXPECT_THROW(tessera::gpu::require_device("test"), tessera::UsageError);
  const tessera::gpu::DeviceBuffer<float> empty;  // owning nothing is fine
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(tessera::gpu::cuda_aware_mpi());
}
#else
TEST(GemmCuda, GpuBackendsWithoutADeviceSaySo) {
  if (tessera::gpu::visible_device_count() > 0) {
    // A device is here: the GPU backends must work (tests/gpu covers them in depth).
    GemmProblem<float> p(19, 23, 29, 1, 1.5f, 0.5f);
    run(GemmBackend::cuda, p);
    EXPECT_EQ(check_gemm(p, p.C), "");
    return;
  }
  GemmProblem<float> p(3, 3, 3, 0, 1.f, 0.f);
  for (const auto b : {GemmBackend::cuda, GemmBackend::cublas}) {
    EXPECT_FALSE(linalg::backend_available(b));
    try {
      run(b, p);
      ADD_FAILURE() << "backend " << linalg::to_string(b) << " ran without a device";
    } catch (const tessera::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("needs a CUDA device"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(linalg::to_string(b)), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(tessera::gpu::require_device("test"), tessera::UsageError);
  EXPECT_FALSE(tessera::gpu::no_device_reason().empty());
}
#endif
