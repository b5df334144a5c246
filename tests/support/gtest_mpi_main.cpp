// The main() of every MPI test binary: MPI up (MPI_THREAD_MULTIPLE, as tessera-taskfarm asks, so
// that the task farm's coordinator thread is tested too), gtest with the MPI listener,
// and an exit code that is non-zero on every rank when any rank failed any test.
#include <mpi.h>

#include <cstdio>

#include "gtest_mpi_listener.hpp"
#include "tessera/core/log.hpp"
#include "tessera/mpi/environment.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::testing::GTEST_FLAG(shuffle)) {
    std::fprintf(stderr, "error: --gtest_shuffle is not supported under MPI (ranks must agree on the order)\n");
    return 2;
  }
  tessera::mpi::Environment env(argc, argv, tessera::mpi::ThreadLevel::funneled, tessera::mpi::ThreadLevel::multiple);
  tessera::log::set_level(tessera::log::Level::quiet);
  tessera::testing::install_mpi_listener();
  int rc = RUN_ALL_TESTS();
  if (tessera::testing::any_rank_failed()) rc = 1;
  int worst = rc;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}
