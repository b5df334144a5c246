// bench-dgemm_local: one plain cblas_dgemm of a given local size, timed; the peer of tessera-matmul
// in bench/matmul/run.sh, where two of these run at once (one per core, OPENBLAS_NUM_THREADS=1) to
// give the aggregate rate two independent single-thread BLAS processes reach on the blocks a
// 2-rank SUMMA multiplies (C_local m x n += A_local m x k * B k x n).
//
//   bench-dgemm_local M N K [--reps R]     # R >= 5, default 5; prints one JSON line
//
// Row-major float64, alpha 1, beta 0, after one untimed warm-up; reports the median over R runs.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/core/timer.hpp"

int main(int argc, char** argv) {
  std::vector<long> dims;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      char* end = nullptr;
      const long v = std::strtol(a.c_str(), &end, 10);
      if (end == a.c_str() || *end != '\0' || v < 1 || v > 100000) dims.clear(), reps = 0, i = argc;
      else dims.push_back(v);
    }
  }
  if (dims.size() != 3 || reps < 5) {
    std::fprintf(stderr, "usage: %s M N K [--reps R]   (R >= 5)\n", argv[0]);
    return 2;
  }
  const int m = static_cast<int>(dims[0]), n = static_cast<int>(dims[1]), k = static_cast<int>(dims[2]);
  std::vector<double> A(static_cast<std::size_t>(m) * k), B(static_cast<std::size_t>(k) * n),
      C(static_cast<std::size_t>(m) * n);
  for (std::size_t e = 0; e < A.size(); ++e) A[e] = static_cast<double>(e % 17) * 0.125 - 1.0;
  for (std::size_t e = 0; e < B.size(); ++e) B[e] = static_cast<double>(e % 13) * 0.25 - 1.5;
  auto run = [&] {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, A.data(), k, B.data(), n, 0.0, C.data(), n);
  };
  run();  // warm-up: threads, pages
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const tessera::Timer timer;
    run();
    t.push_back(timer.elapsed());
  }
  std::sort(t.begin(), t.end());
  const double med = reps % 2 ? t[static_cast<std::size_t>(reps / 2)]
                              : 0.5 * (t[static_cast<std::size_t>(reps / 2 - 1)] + t[static_cast<std::size_t>(reps / 2)]);
  const double flops = 2.0 * m * static_cast<double>(n) * k;
  // a spot check that the call computed something sensible: C(0,0) against a plain dot product
  double dot = 0;
  for (int p = 0; p < k; ++p) dot += A[static_cast<std::size_t>(p)] * B[static_cast<std::size_t>(p) * n];
  const bool ok = std::abs(dot - C[0]) <= 1e-9 * (1.0 + std::abs(dot)) * k;
  std::printf("{\"m\": %d, \"n\": %d, \"k\": %d, \"reps\": %d, \"time_s\": %.6f, \"gflops\": %.4f, \"ok\": %s}\n", m, n,
              k, reps, med, flops / med * 1e-9, ok ? "true" : "false");
  return ok ? 0 : 1;
}
