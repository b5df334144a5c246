// The CUDA-aware-MPI round trip behind SUMMA's direct path, run on the host: host memory stands in
// for the device, and broken transports (data that never reaches the buffer MPI reads, a failing
// copy on one rank) must turn the verdict to false on every rank.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "tessera/gpu/aware_probe.hpp"
#include "tessera/gpu/runtime.hpp"

namespace gpu = tessera::gpu;
using tessera::mpi::Comm;

namespace {
gpu::ProbeMemory host_memory() {
  gpu::ProbeMemory m;
  m.alloc = [](std::size_t b) { return std::calloc(b, 1); };
  m.release = [](void* p) { std::free(p); };
  m.upload = [](void* d, const void* h, std::size_t b) { std::memcpy(d, h, b); };
  m.download = [](void* h, const void* d, std::size_t b) { std::memcpy(h, d, b); };
  return m;
}

// A "device" whose copies go to a shadow half of the allocation, never to the bytes the pointer
// names: what MPI sends is not what was uploaded (an MPI that reads device pointers as host ones).
gpu::ProbeMemory shadow_memory(std::size_t bytes) {
  gpu::ProbeMemory m;
  m.alloc = [](std::size_t b) { return std::calloc(2 * b, 1); };
  m.release = [](void* p) { std::free(p); };
  m.upload = [bytes](void* d, const void* h, std::size_t b) { std::memcpy(static_cast<char*>(d) + bytes, h, b); };
  m.download = [bytes](void* h, const void* d, std::size_t b) {
    std::memcpy(h, static_cast<const char*>(d) + bytes, b);
  };
  return m;
}
}  // namespace

TEST(AwareProbe, HostMemoryRoundTripSucceedsOnEveryRank) {
  const Comm w = Comm::world();
  for (std::size_t bytes : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
    const auto r = gpu::probe_device_transport(w, host_memory(), bytes);
    EXPECT_TRUE(r.ok) << bytes << " bytes: " << r.detail;
    EXPECT_TRUE(r.detail.empty());
  }
}

TEST(AwareProbe, ATransportThatLosesTheDataIsRefusedEverywhere) {
  const Comm w = Comm::world();
  const std::size_t bytes = 1 << 16;
  const auto r = gpu::probe_device_transport(w, shadow_memory(bytes), bytes);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("received wrong bytes from rank"), std::string::npos) << r.detail;
}

TEST(AwareProbe, OneBrokenRankTurnsEveryRankFalse) {
  const Comm w = Comm::world();
  const std::size_t bytes = 1 << 16;
  // only the last rank's uploads miss the buffer MPI reads: its successor detects it
  const auto r = gpu::probe_device_transport(w, w.rank() == w.size() - 1 ? shadow_memory(bytes) : host_memory(), bytes);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("from rank " + std::to_string(w.size() - 1)), std::string::npos) << r.detail;
  // a copy that throws on one rank: false everywhere, with its message
  auto failing = host_memory();
  if (w.rank() == 0) failing.download = [](void*, const void*, std::size_t) { throw std::runtime_error("copy failed"); };
  const auto f = gpu::probe_device_transport(w, failing, bytes);
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.detail, "copy failed");
}

TEST(AwareProbe, NotClaimedMeansNotConfirmedAndNoDeviceTouched) {
  const Comm w = Comm::world();
  if (gpu::cuda_aware_mpi()) GTEST_SKIP() << "this MPI claims CUDA support (the GPU tests cover that case)";
  std::string why;
  EXPECT_FALSE(gpu::cuda_aware_mpi_confirmed(w, &why));
  EXPECT_NE(why.find("does not report CUDA support"), std::string::npos) << why;
}
