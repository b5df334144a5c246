// bench-stencil: the FTCS kernel alone (tessera::heat::ftcs_update on one rank, OpenMP threads),
// no halo exchange and no MPI synchronisation between steps: how close the kernel itself comes to
// the STREAM bound. bench/heat/run.sh runs it beside bench-stream and tessera-heat.
//
// Usage: OMP_NUM_THREADS=2 bench-stencil [--n N] [--dims 2|3] [--reps K] [--json]
// Prints the best and the median sweep as cells/s and effective GB/s (16 B per cell update).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/array/overlap.hpp"
#include "tessera/heat/stencil.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/mpi/environment.hpp"

using namespace tessera;

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  Index n = 4096;
  int dims = 2, reps = 15;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--n" && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (a == "--dims" && i + 1 < argc) dims = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: bench-stencil [--n N] [--dims 2|3] [--reps K] [--json]\n");
      return 2;
    }
  }
  if (n < 8 || reps < 1 || dims < 2 || dims > 3) {
    std::fprintf(stderr, "error: --n >= 8, --reps >= 1, --dims 2 or 3\n");
    return 2;
  }
  mpi::ProcessGrid grid(mpi::Comm(MPI_COMM_SELF), std::vector<int>(static_cast<size_t>(dims), 1));
  array::BlockLayout layout(std::vector<Index>(static_cast<size_t>(dims), n), std::vector<Index>(static_cast<size_t>(dims), 1),
                            grid);
  array::DistArray<double> u(layout, 1), v(layout, 1);
  u.fill(1.0);
  const Box all = array::local_box(u);
  heat::ftcs_update(u, v, 0.2, all);  // warm-up (and first touch of v's pages)
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = wtime();
    heat::ftcs_update(u, v, 0.2, all);
    t.push_back(wtime() - t0);
    std::swap(u, v);
  }
  std::sort(t.begin(), t.end());
  const double cells = static_cast<double>(all.size());
  const double best = cells / t.front(), median = cells / t[t.size() / 2];
  if (json)
    std::printf("{\"cells_per_second_best\": %.6e, \"cells_per_second_median\": %.6e, \"n\": %lld, \"dims\": %d, "
                "\"threads\": %d, \"reps\": %d}\n",
                best, median, static_cast<long long>(n), dims, mpi::Environment::max_threads(), reps);
  else
    std::printf("FTCS kernel %dD n=%lld, %d threads: best %.3e cells/s (%.2f GB/s), median %.3e cells/s (%.2f GB/s)\n",
                dims, static_cast<long long>(n), mpi::Environment::max_threads(), best, best * 16 / 1e9, median,
                median * 16 / 1e9);
  return 0;
}
