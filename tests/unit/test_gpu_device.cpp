// Device queries answer in every build: with no CUDA or no device they report none, never throw.
#include <gtest/gtest.h>

#include "tessera/gpu/device.hpp"

namespace gpu = tessera::gpu;

TEST(GpuDevice, CountIsNeverNegativeAndZeroWithoutCuda) {
  const int n = gpu::device_count();
  EXPECT_GE(n, 0);
  if (!gpu::built_with_cuda()) {
    EXPECT_EQ(n, 0);
  }
}

TEST(GpuDevice, OutOfRangeDevicesHaveNoName) {
  const int n = gpu::device_count();
  EXPECT_EQ(gpu::device_name(-1), "");
  EXPECT_EQ(gpu::device_name(n), "");
  EXPECT_EQ(gpu::device_pci_bus_id(n), "");
}

TEST(GpuDevice, LocalRanksSpreadOverTheDevices) {
  const int n = gpu::device_count();
  if (n == 0) {
    EXPECT_EQ(gpu::select_device_for_local_rank(0), -1);
    EXPECT_EQ(gpu::select_device_for_local_rank(5), -1);
    return;
  }
  for (int local = 0; local < 2 * n + 1; ++local) EXPECT_EQ(gpu::select_device_for_local_rank(local), local % n);
  EXPECT_FALSE(gpu::device_name(0).empty());
  EXPECT_FALSE(gpu::device_pci_bus_id(0).empty());
  gpu::select_device_for_local_rank(0);
}
