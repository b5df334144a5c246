// tests/support/scratch.hpp: scratch directories for tests, removed when the test program ends.
//   local_scratch("x")  -> /tmp/tessera-test-<pid>/x            (this process; unit tests)
//   mpi_scratch("x.h5") -> /tmp/tessera-test-<rank 0 pid>/x.h5   (collective: every rank of
//                          MPI_COMM_WORLD calls it and gets the same path; rank 0 creates the folder)
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#ifdef TESSERA_SCRATCH_WITH_MPI
#include "tessera/mpi/comm.hpp"
#endif

namespace tessera::testing {

inline std::filesystem::path scratch_root(long pid) {
  return std::filesystem::temp_directory_path() / ("tessera-test-" + std::to_string(pid));
}

// Removes this process's scratch root at the end of the test program (registered once).
struct RemoveScratchAtExit : ::testing::Environment {
  explicit RemoveScratchAtExit(std::filesystem::path root) : root_(std::move(root)) {}
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  std::filesystem::path root_;
};

inline void remove_at_exit(const std::filesystem::path& root) {
  static bool registered = false;
  if (!registered) {
    ::testing::AddGlobalTestEnvironment(new RemoveScratchAtExit(root));
    registered = true;
  }
}

inline std::string local_scratch(const std::string& name) {
  const auto root = scratch_root(::getpid());
  std::filesystem::create_directories(root);
  remove_at_exit(root);
  return (root / name).string();
}

#ifdef TESSERA_SCRATCH_WITH_MPI
inline std::string mpi_scratch(const std::string& name) {
  const mpi::Comm w = mpi::Comm::world();
  const long pid = w.bcast_value<long long>(::getpid());
  const auto root = scratch_root(pid);
  if (w.rank() == 0) {
    std::filesystem::create_directories(root);
    remove_at_exit(root);  // only rank 0 owns the folder; gtest tears down after the last test
  }
  w.barrier();
  return (root / name).string();
}
#endif

}  // namespace tessera::testing
