// tests/support/gpu_skip.hpp: when a GPU test cannot run here, say why, on every rank.
//   TEST(...) { TESSERA_SKIP_WITHOUT_GPU(); ... }
// The first call also picks this rank's device: node-local rank modulo the device count, as the
// programs do (gpu::select_device_for_local_rank).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "tessera/gpu/device.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/mpi/comm.hpp"

namespace tessera::testing {

// "" when a GPU test can run here, else the reason.
inline std::string gpu_skip_reason() {
  if (!gpu::built_with_cuda()) return "this build of Tessera has no CUDA support";
  if (gpu::visible_device_count() == 0) return "no CUDA device: " + gpu::no_device_reason();
  static const int selected = gpu::select_device_for_local_rank(mpi::Comm::world().split_shared().rank());
  (void)selected;
  return "";
}

}  // namespace tessera::testing

// Every rank decides alike (same build, same devices on a node); agree anyway, so no rank runs a
// collective test alone.
#define TESSERA_SKIP_WITHOUT_GPU()                                                   \
  do {                                                                               \
    const std::string why_ = ::tessera::testing::gpu_skip_reason();                  \
    if (::tessera::mpi::Comm::world().any(!why_.empty())) GTEST_SKIP() << why_;      \
  } while (0)
