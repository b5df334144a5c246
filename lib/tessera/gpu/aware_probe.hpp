// tessera/gpu/aware_probe.hpp: prove that MPI moves device memory before trusting it to.
//
// MPIX_Query_cuda_support (or TESSERA_CUDA_AWARE_MPI=1) only says what the library claims. Before
// SUMMA broadcasts device panels directly, every rank sends a buffer of its "device" memory around
// a ring (MPI_Sendrecv on the device pointers) and checks, back on the host, that the neighbour's
// pattern arrived bit for bit. The memory operations are given as a ProbeMemory, so the logic runs
// on the host in tests (host memory standing in for the device, or a transport that loses data).
// Only ever run it when the library claims CUDA support: a non-CUDA-aware MPI handed a device
// pointer may crash instead of failing.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

#include "tessera/mpi/comm.hpp"

namespace tessera::gpu {

struct ProbeMemory {
  std::function<void*(std::size_t bytes)> alloc;
  std::function<void(void*)> release;
  std::function<void(void* device, const void* host, std::size_t bytes)> upload;
  std::function<void(void* host, const void* device, std::size_t bytes)> download;
};

struct ProbeResult {
  bool ok = false;        // on every rank: every rank received its neighbour's pattern intact
  std::string detail;     // why not, from the lowest rank that saw a problem (empty when ok)
};

// Collective over `comm`. `bytes` per message (default 1 MiB, above eager limits, so the
// rendezvous path that reads device memory directly is the one tested).
ProbeResult probe_device_transport(const mpi::Comm& comm, const ProbeMemory& mem, std::size_t bytes = 1 << 20);

// ProbeMemory over CUDA device memory (cudaMalloc, cudaMemcpy). Throws UsageError without CUDA.
ProbeMemory cuda_probe_memory();

// The decision SUMMA takes: the library's claim (cuda_aware_mpi()), confirmed by a device round
// trip. Collective. False when not claimed or when the round trip fails (then `why` says so).
bool cuda_aware_mpi_confirmed(const mpi::Comm& comm, std::string* why = nullptr);

}  // namespace tessera::gpu
