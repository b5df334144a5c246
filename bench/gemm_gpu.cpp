// bench-gemm_gpu: single-GPU SGEMM speed of Tessera's own kernel and of the cublas backend, each
// against a bare cublasSgemm call measured in the same run (ratios are what to compare between
// machines; GFLOP/s depend on the part and its clocks).
//
//   bench-gemm_gpu                 # N = 4096 and 10000, 7 repetitions
//   bench-gemm_gpu 2048 8192 --reps 11
//
// Square row-major float32 C = A * B (alpha 1, beta 0), data already on the device; each
// repetition times the three variants back to back with CUDA events (interleaved, so clock drift
// hits all alike) and the median is reported. The own kernel's result is checked against cuBLAS.
// Without a CUDA build or a device it says so and exits 0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/core/timer.hpp"
#include "tessera/core/error.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/gemm.hpp"

#ifdef TESSERA_HAVE_CUDA
#include <cublas_v2.h>
#endif

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [N ...] [--reps R]   (defaults: N = 4096 10000, R = 7; R >= 5)\n", argv0);
  return 2;
}

#ifdef TESSERA_HAVE_CUDA
namespace gpu = tessera::gpu;
namespace linalg = tessera::linalg;
using tessera::linalg::GemmBackend;

void check_cublas(cublasStatus_t rc, const char* what) {
  if (rc != CUBLAS_STATUS_SUCCESS) throw tessera::Error(std::string(what) + ": " + cublasGetStatusString(rc));
}

// Deterministic values in [-1, 1) without a slow generator (10^8 entries at N = 10000).
void fill(std::vector<float>& v, std::uint64_t seed) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = static_cast<float>(static_cast<double>(x >> 11) * 0x1.0p-52 - 1.0);
  }
}

int bench(const std::vector<std::int64_t>& sizes, int reps) {
  cudaDeviceProp prop{};
  TESSERA_CUDA_CHECK(cudaGetDeviceProperties(&prop, gpu::current_device()));
  std::printf("bench-gemm_gpu: %s, %d SMs, SGEMM row-major C = A*B, float32, median of %d\n", prop.name,
              prop.multiProcessorCount, reps);
  std::printf("%7s  %12s  %12s  %12s  %10s  %10s  %10s\n", "N", "own GF/s", "backendGF/s", "cublas GF/s",
              "own/cuBLAS", "bkend/cuBL", "max|diff|");
  gpu::Stream stream;
  cublasHandle_t handle = nullptr;
  check_cublas(cublasCreate(&handle), "cublasCreate");
  check_cublas(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");  // no TF32
  check_cublas(cublasSetStream(handle, stream), "cublasSetStream");
  bool all_ok = true;

  for (const std::int64_t n : sizes) {
    const auto count = static_cast<std::size_t>(n * n);
    std::vector<float> a(count), b(count);
    fill(a, 1);
    fill(b, 2);
    gpu::DeviceBuffer<float> dA(count), dB(count), dC(count), dRef(count);
    dA.copy_from_host(a.data(), count);
    dB.copy_from_host(b.data(), count);
    const int ni = static_cast<int>(n);
    const float one = 1.0f, zero = 0.0f;

    auto own = [&] {
      linalg::gemm_device<float>(GemmBackend::cuda, n, n, n, 1.0f, dA.data(), n, dB.data(), n, 0.0f, dC.data(), n,
                                 stream);
    };
    auto backend = [&] {
      linalg::gemm_device<float>(GemmBackend::cublas, n, n, n, 1.0f, dA.data(), n, dB.data(), n, 0.0f,
                                 dRef.data(), n, stream);
    };
    auto bare = [&] {  // row-major C = A B is column-major C^T = B^T A^T
      check_cublas(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, ni, ni, ni, &one, dB.data(), ni, dA.data(), ni,
                               &zero, dRef.data(), ni),
                   "cublasSgemm");
    };
    auto time_ms = [&](auto&& fn) {
      gpu::Event start, stop;
      start.record(stream);
      fn();
      stop.record(stream);
      stop.synchronize();
      return static_cast<double>(gpu::Event::elapsed_ms(start, stop));
    };

    own(), backend(), bare();  // warm-up: handles, clocks, caches
    stream.synchronize();
    std::vector<double> t_own, t_backend, t_bare;
    for (int r = 0; r < reps; ++r) {
      t_own.push_back(time_ms(own));
      t_backend.push_back(time_ms(backend));
      t_bare.push_back(time_ms(bare));
    }

    // The own kernel's C against cuBLAS's (dRef holds the bare call's result).
    own();
    std::vector<float> c_own(count), c_ref(count);
    dC.copy_to_host_async(c_own.data(), count, stream);
    dRef.copy_to_host_async(c_ref.data(), count, stream);
    stream.synchronize();
    double max_diff = 0, max_ref = 0;
    for (std::size_t e = 0; e < count; ++e) {
      max_diff = std::max(max_diff, static_cast<double>(std::fabs(c_own[e] - c_ref[e])));
      max_ref = std::max(max_ref, static_cast<double>(std::fabs(c_ref[e])));
    }
    // entries are sums of n products of values in [-1, 1): allow n * eps * sqrt(n) around the size
    const double tol = 4.0 * static_cast<double>(n) * 1.2e-7 * std::sqrt(static_cast<double>(n)) + 1e-6 * max_ref;
    const bool ok = max_diff <= tol;
    all_ok = all_ok && ok;

    const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
    const double g_own = flops / (tessera::median(t_own) * 1e6), g_backend = flops / (tessera::median(t_backend) * 1e6),
                 g_bare = flops / (tessera::median(t_bare) * 1e6);
    std::printf("%7lld  %12.1f  %12.1f  %12.1f  %10.3f  %10.3f  %10.2e%s\n", static_cast<long long>(n), g_own,
                g_backend, g_bare, g_own / g_bare, g_backend / g_bare, max_diff, ok ? "" : "  (MISMATCH)");
    std::fflush(stdout);
  }
  cublasDestroy(handle);
  std::printf("own/cuBLAS: own kernel vs bare cublasSgemm; bkend/cuBL: cublas backend vs bare cublasSgemm "
              "(should be ~1.0)\n%s\n",
              all_ok ? "VERIFIED" : "FAILED");
  return all_ok ? 0 : 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::int64_t> sizes;
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    } else {
      char* end = nullptr;
      const long long v = std::strtoll(arg.c_str(), &end, 10);
      if (end == arg.c_str() || *end != '\0' || v < 1 || v > 46000) return usage(argv[0]);
      sizes.push_back(v);
    }
  }
  if (reps < 5) return usage(argv[0]);
  if (sizes.empty()) sizes = {4096, 10000};

  if (!tessera::gpu::built_with_cuda()) {
    std::printf("bench-gemm_gpu: this build of Tessera has no CUDA support; nothing to measure\n");
    return 0;
  }
  if (tessera::gpu::visible_device_count() == 0) {
    std::printf("bench-gemm_gpu: no CUDA device (%s); nothing to measure\n", tessera::gpu::no_device_reason().c_str());
    return 0;
  }
#ifdef TESSERA_HAVE_CUDA
  try {
    return bench(sizes, reps);
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "bench-gemm_gpu: %s\n", e.what());
    return e.exit_code();
  }
#else
  return 0;
#endif
}
