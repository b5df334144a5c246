#include "tessera/gpu/device.hpp"

#include "tessera/core/error.hpp"

#ifdef TESSERA_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace tessera::gpu {

#ifdef TESSERA_HAVE_CUDA

bool built_with_cuda() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the error so later runtime calls do not see it
    return 0;
  }
  return n;
}

std::string device_name(int device) {
  if (device < 0 || device >= device_count()) return "";
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return "";
  }
  return prop.name;
}

std::string device_pci_bus_id(int device) {
  if (device < 0 || device >= device_count()) return "";
  char id[32] = {0};
  if (cudaDeviceGetPCIBusId(id, sizeof id, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return "";
  }
  return id;
}

int select_device_for_local_rank(int local_rank) {
  const int n = device_count();
  if (n == 0) return -1;
  const int device = (local_rank % n + n) % n;
  const cudaError_t rc = cudaSetDevice(device);
  if (rc != cudaSuccess) {
    (void)cudaGetLastError();
    throw Error("cudaSetDevice(" + std::to_string(device) + ") failed: " + cudaGetErrorString(rc));
  }
  return device;
}

#else  // no CUDA in this build

bool built_with_cuda() { return false; }
int device_count() { return 0; }
std::string device_name(int) { return ""; }
std::string device_pci_bus_id(int) { return ""; }
int select_device_for_local_rank(int) { return -1; }

#endif

}  // namespace tessera::gpu
