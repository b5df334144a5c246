// tests/support/gtest_mpi_listener.hpp: GoogleTest under MPI.
// Only rank 0 prints; a failure on any rank is gathered after each test and makes the test fail
// on rank 0, which names the failing rank(s) and their messages. Every rank runs every test in
// the same order (gtest's order is deterministic; shuffling is refused).
#pragma once
#include <gtest/gtest.h>

namespace tessera::testing {

// Installs the listener (replacing the default printer). Call after InitGoogleTest and MPI_Init.
void install_mpi_listener();
// True when some test failed on some rank (valid on every rank after RUN_ALL_TESTS).
bool any_rank_failed();

}  // namespace tessera::testing
