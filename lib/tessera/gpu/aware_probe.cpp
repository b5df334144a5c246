#include "tessera/gpu/aware_probe.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#include "tessera/core/error.hpp"
#include "tessera/gpu/runtime.hpp"

namespace tessera::gpu {

namespace {
// The byte at position i of rank r's message: depends on both, so a stale, zeroed, or another
// rank's buffer never passes.
unsigned char pattern(int rank, std::size_t i) {
  std::uint64_t x = (static_cast<std::uint64_t>(rank) + 1) * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<unsigned char>(x & 0xff);
}
}  // namespace

ProbeResult probe_device_transport(const mpi::Comm& comm, const ProbeMemory& mem, std::size_t bytes) {
  const int P = comm.size(), r = comm.rank();
  const int next = (r + 1) % P, prev = (r + P - 1) % P;
  std::string problem;
  void* send = nullptr;
  void* recv = nullptr;
  try {
    send = mem.alloc(bytes);
    recv = mem.alloc(bytes);
    std::vector<unsigned char> host(bytes);
    for (std::size_t i = 0; i < bytes; ++i) host[i] = pattern(r, i);
    mem.upload(send, host.data(), bytes);
    std::vector<unsigned char> junk(bytes, 0xA5);  // what must be overwritten
    mem.upload(recv, junk.data(), bytes);
    const int rc = MPI_Sendrecv(send, static_cast<int>(bytes), MPI_BYTE, next, 7101, recv, static_cast<int>(bytes),
                                MPI_BYTE, prev, 7101, comm.get(), MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
      char text[MPI_MAX_ERROR_STRING];
      int len = 0;
      MPI_Error_string(rc, text, &len);
      problem = std::string("MPI_Sendrecv on device buffers failed: ") + text;
    } else {
      mem.download(host.data(), recv, bytes);
      for (std::size_t i = 0; i < bytes && problem.empty(); ++i)
        if (host[i] != pattern(prev, i))
          problem = "rank " + std::to_string(r) + " received wrong bytes from rank " + std::to_string(prev) +
                    " (first at byte " + std::to_string(i) + " of " + std::to_string(bytes) + ")";
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (recv) mem.release(recv);
  if (send) mem.release(send);
  ProbeResult res;
  res.ok = comm.all(problem.empty());
  if (!res.ok) {
    const int first = comm.min(problem.empty() ? P : r);
    res.detail = comm.bcast_string(problem, first);
  }
  return res;
}

ProbeMemory cuda_probe_memory() {
  ProbeMemory m;
  m.alloc = [](std::size_t b) { return detail::device_malloc(b); };
  m.release = [](void* p) { detail::device_free(p); };
  m.upload = [](void* d, const void* h, std::size_t b) { detail::copy_bytes(d, h, b, detail::Direction::host_to_device); };
  m.download = [](void* h, const void* d, std::size_t b) {
    detail::copy_bytes(h, d, b, detail::Direction::device_to_host);
  };
  return m;
}

bool cuda_aware_mpi_confirmed(const mpi::Comm& comm, std::string* why) {
  const bool claimed = comm.all(cuda_aware_mpi());
  if (!claimed) {
    if (why) *why = "the MPI library does not report CUDA support on every rank";
    return false;
  }
  const ProbeResult r = probe_device_transport(comm, cuda_probe_memory());
  if (!r.ok && why) *why = "the MPI library reports CUDA support, but a device-buffer round trip failed: " + r.detail;
  return r.ok;
}

}  // namespace tessera::gpu
