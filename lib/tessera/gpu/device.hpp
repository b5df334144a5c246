// tessera/gpu/device.hpp: which CUDA devices this process sees, and the one a rank should use.
// Compiled in every build: without CUDA (TESSERA_HAVE_CUDA unset) there are simply no devices,
// so callers need no #ifdef to ask.
#pragma once
#include <string>

namespace tessera::gpu {

// True when the library was built with CUDA.
bool built_with_cuda();
// Number of CUDA devices visible to this process. 0 without CUDA, and 0 when the runtime
// reports an error instead of a count (no driver, driver too old, no device).
int device_count();
// The device's name ("NVIDIA H100 80GB HBM3"); "" when there is no such device.
std::string device_name(int device);
// The device's PCI bus id ("0000:1b:00.0"), which names the physical GPU even when
// CUDA_VISIBLE_DEVICES renumbers devices; "" when there is no such device.
std::string device_pci_bus_id(int device);
// Makes device local_rank % device_count() current for the calling thread (cudaSetDevice) and
// returns it, so the ranks of one node spread over its GPUs; -1 (and nothing set) when there is
// no device. Throws tessera::Error when the runtime refuses a device it reported.
int select_device_for_local_rank(int local_rank);

}  // namespace tessera::gpu
