// tessera/gpu/runtime.hpp: the small CUDA runtime layer of Tessera: checked calls, device memory
// (DeviceBuffer), pinned host memory (PinnedBuffer), streams, events, and CUDA-aware MPI detection.
//
// The header compiles with and without CUDA. In a build without CUDA (TESSERA_HAVE_CUDA undefined)
// every entry point that needs a GPU throws tessera::UsageError (exit code 2) saying that this build
// has no CUDA support; objects that own nothing (an empty DeviceBuffer) are still fine.
//
// Device choice is the caller's: every allocation, copy and stream here uses the current device
// (cudaSetDevice), which apps set once per rank (see gpu/device.hpp).
//
//   tessera::gpu::Stream stream;
//   tessera::gpu::DeviceBuffer<float> d(n);
//   d.copy_from_host_async(host.data(), n, stream);
//   ... kernels on stream ...
//   d.copy_to_host_async(host.data(), n, stream);
//   stream.synchronize();
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/error.hpp"

#ifdef TESSERA_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace tessera::gpu {

#ifdef TESSERA_HAVE_CUDA
using stream_t = cudaStream_t;
using event_t = cudaEvent_t;
#else
using stream_t = void*;  // stand-ins so that signatures stay the same without CUDA
using event_t = void*;
#endif

// True when this build of Tessera was compiled with CUDA (says nothing about a device being there).
constexpr bool built_with_cuda() noexcept {
#ifdef TESSERA_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

// Throws UsageError("<what>: this build of Tessera has no CUDA support (rebuild with ...)").
[[noreturn]] void throw_no_cuda(const std::string& what);

// Number of CUDA devices this process can use; 0 without CUDA, and 0 when the runtime reports an
// error (no driver, no device, driver too old): "no device" is an answer here, not a failure.
int visible_device_count();
// Why visible_device_count() is 0, in words ("" when a device is visible).
std::string no_device_reason();
// Throws UsageError unless this is a CUDA build with at least one visible device. `what` names the
// thing that needs the GPU (e.g. "the cuda GEMM backend") and starts the message.
void require_device(const std::string& what);
// The current device (cudaGetDevice).
int current_device();
// Waits for all work on the current device.
void synchronize_device();

// True when the MPI library can take device pointers directly (CUDA-aware). Open MPI is asked at
// run time (MPIX_Query_cuda_support) when <mpi-ext.h> has the CUDA extension; other MPIs answer
// false. The environment variable TESSERA_CUDA_AWARE_MPI=0|1 overrides the answer (e.g. for Cray
// MPICH with MPICH_GPU_SUPPORT_ENABLED=1). False in a build without CUDA. Needs no device.
bool cuda_aware_mpi();

namespace detail {
// Byte-level operations behind the templates below (runtime.cpp). All of them check the CUDA
// return code and throw tessera::Error with the CUDA error string; without CUDA they throw the
// UsageError of throw_no_cuda (the free functions are no-ops on null pointers).
void* device_malloc(std::size_t bytes);
void device_free(void* p) noexcept;
void* pinned_malloc(std::size_t bytes);
void pinned_free(void* p) noexcept;
enum class Direction { host_to_device, device_to_host, device_to_device };
void copy_bytes(void* dst, const void* src, std::size_t bytes, Direction dir);
void copy_bytes_async(void* dst, const void* src, std::size_t bytes, Direction dir, stream_t stream);
// 2D copy: `rows` rows of `row_bytes` bytes, rows `dst_pitch` / `src_pitch` bytes apart.
void copy_2d_async(void* dst, std::size_t dst_pitch, const void* src, std::size_t src_pitch,
                   std::size_t row_bytes, std::size_t rows, Direction dir, stream_t stream);
void memset_bytes_async(void* p, int value, std::size_t bytes, stream_t stream);
void check_range(std::size_t offset, std::size_t count, std::size_t size, const char* what);
}  // namespace detail

// A CUDA stream (non-blocking with respect to the legacy default stream). Move-only.
class Stream {
 public:
  Stream();  // creates a stream on the current device
  ~Stream();
  Stream(Stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stream& operator=(Stream&& o) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  stream_t get() const noexcept { return s_; }
  operator stream_t() const noexcept { return s_; }
  void synchronize() const;

 private:
  stream_t s_ = nullptr;
};

// A CUDA event (with timing). Move-only.
class Event {
 public:
  Event();
  ~Event();
  Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Event& operator=(Event&& o) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  event_t get() const noexcept { return e_; }
  void record(stream_t stream = nullptr);
  void synchronize() const;
  bool done() const;  // cudaEventQuery: true once the recorded work has finished
  // Milliseconds between two recorded (and completed) events.
  static float elapsed_ms(const Event& start, const Event& stop);

 private:
  event_t e_ = nullptr;
};

// `count` elements of T in device memory (cudaMalloc), uninitialised. Move-only. T must be trivially
// copyable; offsets and counts are in elements.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count)
      : p_(static_cast<T*>(detail::device_malloc(count * sizeof(T)))), n_(count) {}
  ~DeviceBuffer() { detail::device_free(p_); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      detail::device_free(p_);
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() noexcept { return p_; }
  const T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  std::size_t size_bytes() const noexcept { return n_ * sizeof(T); }
  bool empty() const noexcept { return n_ == 0; }

  // Synchronous copies (the host memory may be pageable).
  void copy_from_host(const T* src, std::size_t count, std::size_t offset = 0) {
    detail::check_range(offset, count, n_, "DeviceBuffer::copy_from_host");
    detail::copy_bytes(p_ + offset, src, count * sizeof(T), detail::Direction::host_to_device);
  }
  void copy_from_host(const std::vector<T>& src) { copy_from_host(src.data(), src.size()); }
  void copy_to_host(T* dst, std::size_t count, std::size_t offset = 0) const {
    detail::check_range(offset, count, n_, "DeviceBuffer::copy_to_host");
    detail::copy_bytes(dst, p_ + offset, count * sizeof(T), detail::Direction::device_to_host);
  }
  std::vector<T> to_vector() const {
    std::vector<T> out(n_);
    copy_to_host(out.data(), n_);
    return out;
  }
  // Asynchronous copies on `stream`: the host memory must stay alive (and, for real overlap, be
  // pinned: PinnedBuffer) until the stream has passed the copy.
  void copy_from_host_async(const T* src, std::size_t count, stream_t stream, std::size_t offset = 0) {
    detail::check_range(offset, count, n_, "DeviceBuffer::copy_from_host_async");
    detail::copy_bytes_async(p_ + offset, src, count * sizeof(T), detail::Direction::host_to_device, stream);
  }
  void copy_to_host_async(T* dst, std::size_t count, stream_t stream, std::size_t offset = 0) const {
    detail::check_range(offset, count, n_, "DeviceBuffer::copy_to_host_async");
    detail::copy_bytes_async(dst, p_ + offset, count * sizeof(T), detail::Direction::device_to_host, stream);
  }
  // All bytes zero (0.0 for floating point), asynchronously on `stream`.
  void zero_async(stream_t stream) { detail::memset_bytes_async(p_, 0, size_bytes(), stream); }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// `count` elements of T in page-locked host memory (cudaMallocHost): fast, truly asynchronous
// host<->device copies. Move-only.
template <typename T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t count)
      : p_(static_cast<T*>(detail::pinned_malloc(count * sizeof(T)))), n_(count) {}
  ~PinnedBuffer() { detail::pinned_free(p_); }
  PinnedBuffer(PinnedBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
      detail::pinned_free(p_);
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  T* data() noexcept { return p_; }
  const T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  T& operator[](std::size_t i) noexcept { return p_[i]; }
  const T& operator[](std::size_t i) const noexcept { return p_[i]; }
  T* begin() noexcept { return p_; }
  T* end() noexcept { return p_ + n_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// Copies a rows x cols row-major matrix (leading dimensions in elements) between host and device,
// asynchronously on `stream`; only the rows x cols entries are touched (padding is left alone).
template <typename T>
void copy_matrix_to_device_async(T* dst, std::size_t ld_dst, const T* src, std::size_t ld_src,
                                 std::size_t rows, std::size_t cols, stream_t stream) {
  detail::copy_2d_async(dst, ld_dst * sizeof(T), src, ld_src * sizeof(T), cols * sizeof(T), rows,
                        detail::Direction::host_to_device, stream);
}
template <typename T>
void copy_matrix_to_host_async(T* dst, std::size_t ld_dst, const T* src, std::size_t ld_src,
                               std::size_t rows, std::size_t cols, stream_t stream) {
  detail::copy_2d_async(dst, ld_dst * sizeof(T), src, ld_src * sizeof(T), cols * sizeof(T), rows,
                        detail::Direction::device_to_host, stream);
}

}  // namespace tessera::gpu

#ifdef TESSERA_HAVE_CUDA
namespace tessera::gpu::detail {
// "cudaMalloc failed: out of memory (cudaErrorMemoryAllocation) (file.cpp:42)"
[[noreturn]] void throw_cuda_error(cudaError_t rc, const char* call, const char* file, int line);
}  // namespace tessera::gpu::detail

// Checks a CUDA runtime call; a failure throws tessera::Error (exit code 3) with the CUDA message.
#define TESSERA_CUDA_CHECK(call)                                                          \
  do {                                                                                    \
    const cudaError_t tessera_cuda_rc_ = (call);                                          \
    if (tessera_cuda_rc_ != cudaSuccess)                                                  \
      ::tessera::gpu::detail::throw_cuda_error(tessera_cuda_rc_, #call, __FILE__, __LINE__); \
  } while (0)
#endif
