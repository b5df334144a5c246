// tessera/gpu/memory_info.hpp: free and total memory of the current CUDA device.
#pragma once
#include <cstddef>

namespace tessera::gpu {

struct DeviceMemory {
  std::size_t free = 0;
  std::size_t total = 0;
};
// cudaMemGetInfo on the current device. Throws tessera::Error when CUDA fails, UsageError in a
// build without CUDA (as every gpu:: entry point that needs a GPU).
DeviceMemory device_memory();

}  // namespace tessera::gpu
