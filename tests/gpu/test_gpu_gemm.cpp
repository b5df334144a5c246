// GPU GEMM backends (own kernel and cuBLAS) against a naive reference and against each other, on
// odd sizes that exercise every tile edge, both the vector (aligned) and scalar load paths, the
// device API on a stream, DeviceBuffer round trips and CUDA-aware MPI detection.
// Every rank runs every test on its node-local device; without CUDA or a device the tests skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../support/gemm_reference.hpp"
#include "tessera/core/error.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/gemm.hpp"
#include "tessera/mpi/comm.hpp"
#include "gpu_skip.hpp"

using tessera::linalg::GemmBackend;
using tessera::testing::check_gemm;
using tessera::testing::GemmProblem;
namespace gpu = tessera::gpu;
namespace linalg = tessera::linalg;

namespace {


struct Case {
  std::int64_t m, n, k, pad;
};
// Sizes around the 128 x 128 x 8 tiles; pad 0 with n % 4 == 0 takes the float4 path, others the
// scalar one (leading dimensions that are not multiples of the vector width).
const Case kCases[] = {{1, 1, 1, 0},     {17, 17, 17, 0},  {127, 127, 127, 1}, {129, 129, 129, 0},
                       {255, 255, 255, 2}, {128, 256, 64, 0}, {130, 132, 9, 0},   {513, 513, 513, 0},
                       {512, 512, 512, 0}, {1000, 999, 1001, 0}, {1024, 1000, 100, 4}};

template <typename T>
GemmProblem<T> run_host_api(GemmBackend backend, const Case& c) {
  GemmProblem<T> p(c.m, c.n, c.k, c.pad, T(1.25), T(-0.75), 7);
  linalg::gemm<T>(backend, p.m, p.n, p.k, p.alpha, p.A.data(), p.lda, p.B.data(), p.ldb, p.beta, p.C.data(),
                  p.ldc);
  return p;
}

// Both GPU backends against the reference (every entry up to 255^2, sampled beyond), and against
// each other on every entry with the bound |alpha| * rowsum|A| * colmax|B| + |beta c| per entry.
template <typename T>
void backends_match_reference() {
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) + " pad " +
                 std::to_string(c.pad));
    const bool every = c.m * c.n <= 255 * 255;
    const auto own = run_host_api<T>(GemmBackend::cuda, c);
    EXPECT_EQ(check_gemm(own, own.C, every), "") << "own kernel";
    const auto ref = run_host_api<T>(GemmBackend::cublas, c);
    EXPECT_EQ(check_gemm(ref, ref.C, every), "") << "cublas";

    std::vector<long double> colmax(static_cast<std::size_t>(c.n), 0.0L);
    for (std::int64_t p = 0; p < c.k; ++p)
      for (std::int64_t j = 0; j < c.n; ++j)
        colmax[static_cast<std::size_t>(j)] =
            std::max(colmax[static_cast<std::size_t>(j)],
                     static_cast<long double>(std::fabs(own.B[static_cast<std::size_t>(p * own.ldb + j)])));
    int bad = 0;
    const long double u = std::numeric_limits<T>::epsilon();
    for (std::int64_t i = 0; i < c.m; ++i) {
      long double rowsum = 0;
      for (std::int64_t p = 0; p < c.k; ++p) rowsum += std::fabs(own.A[static_cast<std::size_t>(i * own.lda + p)]);
      for (std::int64_t j = 0; j < c.n; ++j) {
        const auto e = static_cast<std::size_t>(i * own.ldc + j);
        const long double mag = std::fabs(1.25L) * rowsum * colmax[static_cast<std::size_t>(j)] +
                                0.75L * std::fabs(static_cast<long double>(own.C0[e]));
        const long double tol = 4.0L * static_cast<long double>(c.k + 2) * u * mag + std::numeric_limits<T>::min();
        if (!(std::fabs(static_cast<long double>(own.C[e]) - ref.C[e]) <= tol) && bad++ < 3)
          ADD_FAILURE() << "own kernel and cuBLAS differ at (" << i << ", " << j << "): " << own.C[e] << " vs "
                        << ref.C[e];
      }
    }
    EXPECT_EQ(bad, 0);
  }
}

}  // namespace

TEST(GpuGemm, FloatKernelAndCublasMatchReference) {
  TESSERA_SKIP_WITHOUT_GPU();
  backends_match_reference<float>();
}

TEST(GpuGemm, DoubleKernelAndCublasMatchReference) {
  TESSERA_SKIP_WITHOUT_GPU();
  backends_match_reference<double>();
}

TEST(GpuGemm, BetaZeroIgnoresCAndAlphaZeroIgnoresAB) {
  TESSERA_SKIP_WITHOUT_GPU();
  for (const auto b : {GemmBackend::cuda, GemmBackend::cublas}) {
    SCOPED_TRACE(linalg::to_string(b));
    GemmProblem<float> p(133, 70, 21, 3, 2.0f, 0.0f);
    for (std::int64_t i = 0; i < p.m; ++i)
      for (std::int64_t j = 0; j < p.n; ++j)
        p.C[static_cast<std::size_t>(i * p.ldc + j)] = std::numeric_limits<float>::quiet_NaN();
    linalg::gemm<float>(b, p.m, p.n, p.k, p.alpha, p.A.data(), p.lda, p.B.data(), p.ldb, p.beta, p.C.data(), p.ldc);
    EXPECT_EQ(check_gemm(p, p.C), "");

    GemmProblem<double> q(40, 50, 30, 0, 0.0, -2.0);
    for (auto& a : q.A) a = std::numeric_limits<double>::quiet_NaN();
    linalg::gemm<double>(b, q.m, q.n, q.k, q.alpha, q.A.data(), q.lda, q.B.data(), q.ldb, q.beta, q.C.data(), q.ldc);
    EXPECT_EQ(check_gemm(q, q.C), "");

    GemmProblem<double> z(20, 9, 0, 1, 1.0, 0.5);  // k == 0: C = beta * C
    linalg::gemm<double>(b, z.m, z.n, z.k, z.alpha, z.A.data(), z.lda, z.B.data(), z.ldb, z.beta, z.C.data(), z.ldc);
    EXPECT_EQ(check_gemm(z, z.C), "");
  }
}

TEST(GpuGemm, DeviceApiKeepsDataOnTheDevice) {
  TESSERA_SKIP_WITHOUT_GPU();
  // C = A B, then C = A B + C on the same stream: 2 A B, with no host round trip in between.
  for (const auto b : {GemmBackend::cuda, GemmBackend::cublas}) {
    SCOPED_TRACE(linalg::to_string(b));
    GemmProblem<float> p(300, 260, 70, 0, 1.0f, 0.0f);
    gpu::Stream stream;
    gpu::DeviceBuffer<float> dA(p.A.size()), dB(p.B.size()), dC(p.C.size());
    dA.copy_from_host_async(p.A.data(), p.A.size(), stream);
    dB.copy_from_host_async(p.B.data(), p.B.size(), stream);
    linalg::gemm_device<float>(b, p.m, p.n, p.k, 1.0f, dA.data(), p.lda, dB.data(), p.ldb, 0.0f, dC.data(), p.ldc,
                               stream);
    linalg::gemm_device<float>(b, p.m, p.n, p.k, 1.0f, dA.data(), p.lda, dB.data(), p.ldb, 1.0f, dC.data(), p.ldc,
                               stream);
    std::vector<float> got(p.C.size());
    dC.copy_to_host_async(got.data(), got.size(), stream);
    stream.synchronize();
    p.alpha = 2.0f;  // what the two calls amount to
    EXPECT_EQ(check_gemm(p, got), "");
  }
  EXPECT_THROW(linalg::gemm_device<float>(GemmBackend::blas, 1, 1, 1, 1.f, nullptr, 1, nullptr, 1, 0.f, nullptr, 1,
                                          nullptr),
               tessera::UsageError);
}

TEST(GpuRuntime, DeviceBufferRoundTrip) {
  TESSERA_SKIP_WITHOUT_GPU();
  std::vector<double> host(1000);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = 0.5 * static_cast<double>(i) - 3.0;
  gpu::DeviceBuffer<double> d(host.size());
  EXPECT_EQ(d.size(), host.size());
  EXPECT_EQ(d.size_bytes(), host.size() * sizeof(double));
  d.copy_from_host(host);
  EXPECT_EQ(d.to_vector(), host);

  // partial copies with offsets, pinned memory and a stream
  gpu::PinnedBuffer<double> pinned(10);
  for (std::size_t i = 0; i < pinned.size(); ++i) pinned[i] = -1.0 - static_cast<double>(i);
  gpu::Stream stream;
  d.copy_from_host_async(pinned.data(), 10, stream, 990);
  std::vector<double> back(20);
  d.copy_to_host_async(back.data(), 20, stream, 980);
  stream.synchronize();
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(back[i], host[980 + i]);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(back[10 + i], pinned[i]);

  d.zero_async(stream);
  stream.synchronize();
  const auto zeros = d.to_vector();
  EXPECT_TRUE(std::all_of(zeros.begin(), zeros.end(), [](double v) { return v == 0.0; }));

  // move-only ownership
  gpu::DeviceBuffer<double> moved(std::move(d));
  EXPECT_TRUE(d.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(moved.size(), host.size());
  EXPECT_THROW(moved.copy_to_host(back.data(), 21, 990), tessera::Error);  // past the end

  // events time work on a stream
  gpu::Event start, stop;
  start.record(stream);
  moved.copy_from_host_async(host.data(), host.size(), stream);
  stop.record(stream);
  stop.synchronize();
  EXPECT_TRUE(stop.done());
  EXPECT_GE(gpu::Event::elapsed_ms(start, stop), 0.0f);
}

TEST(GpuRuntime, CudaErrorsBecomeTesseraErrors) {
  TESSERA_SKIP_WITHOUT_GPU();
  // far more than any device has
  try {
    gpu::DeviceBuffer<char> huge(std::size_t{1} << 60);
    ADD_FAILURE() << "a 1 EiB allocation succeeded";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(std::string(e.what()).find("cudaMalloc"), std::string::npos) << e.what();
  }
}

TEST(GpuRuntime, CudaAwareMpiQueryAnswers) {
  // Needs no device; the answer is the same on every rank (one MPI library).
  bool aware = true;
  EXPECT_NO_THROW(aware = gpu::cuda_aware_mpi());
  const auto world = tessera::mpi::Comm::world();
  EXPECT_EQ(world.all(aware), world.any(aware));
  if (!gpu::built_with_cuda()) {
    EXPECT_FALSE(aware);
  }
}
