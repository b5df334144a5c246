// apps/matmul/memory.hpp: the memory a run needs, estimated before anything large is allocated, and
// the check against what the host (MemAvailable) and the device (cudaMemGetInfo) can give.
#pragma once
#include <string>

#include "tessera/linalg/summa.hpp"
#include "tessera/mpi/environment.hpp"

namespace matmul_app {

// Bytes this rank needs.
struct MemoryPlan {
  double blocks = 0;  // A, B and C blocks (+ C0, kept for the repetitions when beta != 0), host
  double host = 0;    // all host memory: blocks + host panel buffers (blas) + pinned panel buffers
  double device = 0;  // GPU backends: A, B, C blocks on the device + device panel buffers
};
MemoryPlan plan_memory(const tessera::linalg::SummaLayouts& L, std::size_t elem_size,
                       const tessera::linalg::SummaOptions& opt, bool direct, bool keep_c0);

// Collective over the world. Throws UsageError (exit 2) on every rank when the ranks of one host
// together need more than its MemAvailable, or the ranks sharing a device more than its free memory
// (`device` is this rank's device, -1 for none).
void check_memory(const tessera::mpi::Environment& env, const MemoryPlan& plan, int device);

}  // namespace matmul_app
