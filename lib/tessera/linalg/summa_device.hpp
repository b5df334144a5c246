// tessera/linalg/summa_device.hpp (internal): the GPU state of a Summa<T>: streams, double-buffered
// pinned and device panel buffers, the events that order their reuse, and rings of timing events.
// Included by summa.cpp (which owns it) and summa_device.cpp (which drives it). Compiles without
// CUDA (the gpu:: types then throw on construction, and a Summa never makes one).
#pragma once
#include <cstddef>

#include "tessera/gpu/runtime.hpp"

namespace tessera::linalg::detail {

// Sums the device time between start/stop event pairs without making the host wait for each one:
// a ring of pairs, a pair is read back only when it is about to be reused (kRing panels later).
class EventTimer {
 public:
  static constexpr int kRing = 8;
  // Records a start event on `stream`; returns the slot to pass to stop().
  int start(gpu::stream_t stream) {
    const int slot = next_;
    next_ = (next_ + 1) % kRing;
    collect(slot);
    pairs_[slot].start.record(stream);
    return slot;
  }
  void stop(int slot, gpu::stream_t stream) {
    pairs_[slot].stop.record(stream);
    pairs_[slot].pending = true;
  }
  // Waits for every recorded pair and returns the total in seconds; starts again from zero.
  double take_seconds() {
    for (int s = 0; s < kRing; ++s) collect(s);
    const double out = ms_ * 1e-3;
    ms_ = 0;
    return out;
  }

 private:
  void collect(int slot) {
    auto& p = pairs_[slot];
    if (!p.pending) return;
    p.stop.synchronize();
    ms_ += static_cast<double>(gpu::Event::elapsed_ms(p.start, p.stop));
    p.pending = false;
  }
  struct Pair {
    gpu::Event start, stop;
    bool pending = false;
  };
  Pair pairs_[kRing];
  int next_ = 0;
  double ms_ = 0;
};

template <typename T>
struct SummaDevice {
  // a_panel / b_panel: elements of one A / B panel buffer (0: that matrix is not broadcast);
  // staging: pinned host buffers are needed (no CUDA-aware MPI).
  SummaDevice(std::size_t a_panel, std::size_t b_panel, bool staging) {
    for (int s = 0; s < 2; ++s) {
      dev_a[s] = gpu::DeviceBuffer<T>(a_panel);
      dev_b[s] = gpu::DeviceBuffer<T>(b_panel);
      if (staging) {
        pin_a[s] = gpu::PinnedBuffer<T>(a_panel);
        pin_b[s] = gpu::PinnedBuffer<T>(b_panel);
      }
    }
  }

  gpu::Stream compute;  // local GEMMs, in panel order
  gpu::Stream d2h;      // owner: panel device -> pinned (staging) or device -> device pack (direct)
  gpu::Stream h2d;      // receiver: pinned -> device panel buffer (staging)
  gpu::PinnedBuffer<T> pin_a[2], pin_b[2];
  gpu::DeviceBuffer<T> dev_a[2], dev_b[2];
  // Per slot (panel i uses slot i % 2), the last recorded:
  gpu::Event packed[2];  // owner's copy out of its block finished (d2h)
  gpu::Event landed[2];  // receiver's upload into dev_a/dev_b finished: pin_* free, GEMM may start (h2d)
  gpu::Event done[2];    // GEMM finished reading dev_a/dev_b (compute)
  EventTimer gemm_time, d2h_time, h2d_time;
};

}  // namespace tessera::linalg::detail
