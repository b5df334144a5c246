// bench-gemm_cpu: the blas GEMM backend against a raw cblas_dgemm call on the same data, measured
// in the same run: the ratio (should be ~1.0) is the backend's overhead.
//
//   bench-gemm_cpu                 # N = 512 1024 2048, 5 repetitions
//   OPENBLAS_NUM_THREADS=1 bench-gemm_cpu 1000 --reps 9
//
// Square row-major float64 C = A * B; each repetition runs both variants back to back
// (interleaved, so drift hits both alike) and the median time is reported.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/core/timer.hpp"
#include "tessera/linalg/gemm.hpp"

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [N ...] [--reps R]   (defaults: N = 512 1024 2048, R = 5; R >= 5)\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    } else {
      char* end = nullptr;
      const long v = std::strtol(arg.c_str(), &end, 10);
      if (end == arg.c_str() || *end != '\0' || v < 1 || v > 20000) return usage(argv[0]);
      sizes.push_back(static_cast<int>(v));
    }
  }
  if (reps < 5) return usage(argv[0]);
  if (sizes.empty()) sizes = {512, 1024, 2048};

  std::printf("bench-gemm_cpu: DGEMM row-major C = A*B, float64, median of %d\n", reps);
  std::printf("%7s  %12s  %12s  %12s  %10s\n", "N", "backend GF/s", "cblas GF/s", "backend/cblas", "max|diff|");
  bool all_ok = true;
  for (const int n : sizes) {
    const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    std::vector<double> a(count), b(count), c1(count), c2(count);
    for (std::size_t e = 0; e < count; ++e) {
      a[e] = std::sin(0.001 * static_cast<double>(e));
      b[e] = std::cos(0.002 * static_cast<double>(e));
    }
    auto backend = [&] {
      tessera::linalg::gemm<double>(tessera::linalg::GemmBackend::blas, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0,
                                    c1.data(), n);
    };
    auto raw = [&] {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c2.data(),
                  n);
    };
    auto time_s = [](auto&& fn) {
      const tessera::Timer t;
      fn();
      return t.elapsed();
    };
    backend();  // warm-up (threads, pages)
    raw();
    std::vector<double> t_backend, t_raw;
    for (int r = 0; r < reps; ++r) {
      t_backend.push_back(time_s(backend));
      t_raw.push_back(time_s(raw));
    }
    double max_diff = 0;
    for (std::size_t e = 0; e < count; ++e) max_diff = std::max(max_diff, std::fabs(c1[e] - c2[e]));
    const bool ok = max_diff == 0.0;  // same library, same call: bitwise the same result
    all_ok = all_ok && ok;
    const double flops = 2.0 * n * static_cast<double>(n) * n;
    const double g_backend = flops / tessera::median(t_backend) / 1e9, g_raw = flops / tessera::median(t_raw) / 1e9;
    std::printf("%7d  %12.2f  %12.2f  %12.3f  %10.2e%s\n", n, g_backend, g_raw, g_backend / g_raw, max_diff,
                ok ? "" : "  (MISMATCH)");
    std::fflush(stdout);
  }
  std::printf("%s\n", all_ok ? "VERIFIED" : "FAILED");
  return all_ok ? 0 : 1;
}
