// bench-stream: a small STREAM triad (a[i] = b[i] + s * c[i]) with OpenMP, the memory-bandwidth
// peer that the stencil's effective bandwidth is compared with (bench/heat/run.sh).
//
// Usage: OMP_NUM_THREADS=2 bench-stream [--n ELEMENTS] [--reps K] [--json]
// Defaults: 2^25 doubles per array (256 MiB each, 768 MiB in all: far beyond any cache), 10 reps.
// Arrays are first-touched by the threads that use them (schedule(static) everywhere). Bandwidth
// is counted as STREAM counts it: 24 bytes per triad iteration (two reads, one write; the
// write-allocate read is not counted). Prints the best and the median repetition.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void triad(double* __restrict a, const double* __restrict b, const double* __restrict c, double s, std::int64_t n) {
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}
}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = std::int64_t{1} << 25;
  int reps = 10;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--n" && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (arg == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (arg == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: bench-stream [--n ELEMENTS] [--reps K] [--json]\n");
      return 2;
    }
  }
  if (n < 1024 || reps < 1) {
    std::fprintf(stderr, "error: --n must be >= 1024 and --reps >= 1\n");
    return 2;
  }
  std::unique_ptr<double[]> a(new double[static_cast<size_t>(n)]), b(new double[static_cast<size_t>(n)]),
      c(new double[static_cast<size_t>(n)]);
  double* pa = a.get();
  double* pb = b.get();
  double* pc = c.get();
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    pa[i] = 0.0;
    pb[i] = 1.0;
    pc[i] = 2.0;
  }
  const double s = 3.0;
  triad(pa, pb, pc, s, n);  // warm-up
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    triad(pa, pb, pc, s, n);
    times.push_back(now() - t0);
  }
  // check: every a[i] = 1 + 3 * 2
  std::int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
  for (std::int64_t i = 0; i < n; ++i) bad += pa[i] != 7.0;
  if (bad) {
    std::fprintf(stderr, "error: triad result wrong in %lld elements\n", static_cast<long long>(bad));
    return 1;
  }
  std::sort(times.begin(), times.end());
  const double bytes = 24.0 * static_cast<double>(n);
  const double best = bytes / times.front() / 1e9;
  const double median = bytes / times[times.size() / 2] / 1e9;
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  if (json)
    std::printf("{\"triad_best_GBps\": %.4f, \"triad_median_GBps\": %.4f, \"n\": %lld, \"threads\": %d, \"reps\": %d}\n",
                best, median, static_cast<long long>(n), threads, reps);
  else
    std::printf("STREAM triad: %lld doubles x 3 arrays, %d threads: best %.2f GB/s, median %.2f GB/s\n",
                static_cast<long long>(n), threads, best, median);
  return 0;
}
