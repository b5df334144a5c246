#include "tessera/gpu/memory_info.hpp"

#include "tessera/gpu/runtime.hpp"

namespace tessera::gpu {

DeviceMemory device_memory() {
#ifdef TESSERA_HAVE_CUDA
  DeviceMemory m;
  TESSERA_CUDA_CHECK(cudaMemGetInfo(&m.free, &m.total));
  return m;
#else
  throw_no_cuda("gpu::device_memory");
#endif
}

}  // namespace tessera::gpu
