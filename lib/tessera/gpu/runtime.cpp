// tessera/gpu/runtime.cpp: checked CUDA runtime calls behind runtime.hpp; clear errors without CUDA.
#include "tessera/gpu/runtime.hpp"

#include <mpi.h>

#include <cstdlib>
#include <string>

#if defined(__has_include)
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#endif
#endif

namespace tessera::gpu {

void throw_no_cuda(const std::string& what) {
  throw UsageError(what + ": this build of Tessera has no CUDA support "
                          "(rebuild with -DTESSERA_ENABLE_CUDA=ON)");
}

bool cuda_aware_mpi() {
#ifdef TESSERA_HAVE_CUDA
  if (const char* env = std::getenv("TESSERA_CUDA_AWARE_MPI"); env != nullptr && *env != '\0') {
    const std::string v(env);
    if (v == "1" || v == "yes" || v == "true") return true;
    if (v == "0" || v == "no" || v == "false") return false;
  }
#if defined(MPIX_CUDA_AWARE_SUPPORT)
  // The macro says how Open MPI was built; the query says what this run of it can do.
  return MPIX_Query_cuda_support() == 1;
#else
  return false;
#endif
#else
  return false;
#endif
}

namespace detail {

void check_range(std::size_t offset, std::size_t count, std::size_t size, const char* what) {
  if (offset > size || count > size - offset)
    throw Error(std::string(what) + ": elements [" + std::to_string(offset) + ", " +
                std::to_string(offset + count) + ") are outside a buffer of " + std::to_string(size));
}

}  // namespace detail

#ifdef TESSERA_HAVE_CUDA

namespace detail {

void throw_cuda_error(cudaError_t rc, const char* call, const char* file, int line) {
  std::string name(call);
  const auto paren = name.find('(');
  if (paren != std::string::npos) name.resize(paren);
  throw Error(name + " failed: " + cudaGetErrorString(rc) + " (" + cudaGetErrorName(rc) + ") (" + file +
                  ":" + std::to_string(line) + ")",
              ExitCode::runtime);
}

namespace {
cudaMemcpyKind kind_of(Direction dir) {
  switch (dir) {
    case Direction::host_to_device: return cudaMemcpyHostToDevice;
    case Direction::device_to_host: return cudaMemcpyDeviceToHost;
    case Direction::device_to_device: return cudaMemcpyDeviceToDevice;
  }
  return cudaMemcpyDefault;
}
}  // namespace

void* device_malloc(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  TESSERA_CUDA_CHECK(cudaMalloc(&p, bytes));
  return p;
}

void device_free(void* p) noexcept {
  if (p != nullptr) (void)cudaFree(p);  // nothing sensible to do with an error in a destructor
}

void* pinned_malloc(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  TESSERA_CUDA_CHECK(cudaMallocHost(&p, bytes));
  return p;
}

void pinned_free(void* p) noexcept {
  if (p != nullptr) (void)cudaFreeHost(p);
}

void copy_bytes(void* dst, const void* src, std::size_t bytes, Direction dir) {
  if (bytes == 0) return;
  TESSERA_CUDA_CHECK(cudaMemcpy(dst, src, bytes, kind_of(dir)));
}

void copy_bytes_async(void* dst, const void* src, std::size_t bytes, Direction dir, stream_t stream) {
  if (bytes == 0) return;
  TESSERA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind_of(dir), stream));
}

void copy_2d_async(void* dst, std::size_t dst_pitch, const void* src, std::size_t src_pitch,
                   std::size_t row_bytes, std::size_t rows, Direction dir, stream_t stream) {
  if (row_bytes == 0 || rows == 0) return;
  TESSERA_CUDA_CHECK(cudaMemcpy2DAsync(dst, dst_pitch, src, src_pitch, row_bytes, rows, kind_of(dir), stream));
}

void memset_bytes_async(void* p, int value, std::size_t bytes, stream_t stream) {
  if (bytes == 0) return;
  TESSERA_CUDA_CHECK(cudaMemsetAsync(p, value, bytes, stream));
}

}  // namespace detail

namespace {
// cudaGetDeviceCount, with an error read as "no device" (and cleared, so it does not linger).
int query_device_count(std::string* reason) {
  int n = 0;
  const cudaError_t rc = cudaGetDeviceCount(&n);
  if (rc != cudaSuccess) {
    (void)cudaGetLastError();
    if (reason) *reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(rc);
    return 0;
  }
  if (n == 0 && reason) *reason = "the CUDA runtime reports no device";
  return n;
}
}  // namespace

int visible_device_count() { return query_device_count(nullptr); }

std::string no_device_reason() {
  std::string reason;
  return query_device_count(&reason) > 0 ? std::string() : reason;
}

void require_device(const std::string& what) {
  std::string reason;
  if (query_device_count(&reason) == 0)
    throw UsageError(what + " needs a CUDA device, but none is visible (" + reason +
                     "); run on a GPU node or use the CPU (blas) path");
}

int current_device() {
  int d = 0;
  TESSERA_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

void synchronize_device() { TESSERA_CUDA_CHECK(cudaDeviceSynchronize()); }

Stream::Stream() { TESSERA_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
Stream::~Stream() {
  if (s_ != nullptr) (void)cudaStreamDestroy(s_);
}
Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr) (void)cudaStreamDestroy(s_);
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}
void Stream::synchronize() const { TESSERA_CUDA_CHECK(cudaStreamSynchronize(s_)); }

Event::Event() { TESSERA_CUDA_CHECK(cudaEventCreate(&e_)); }
Event::~Event() {
  if (e_ != nullptr) (void)cudaEventDestroy(e_);
}
Event& Event::operator=(Event&& o) noexcept {
  if (this != &o) {
    if (e_ != nullptr) (void)cudaEventDestroy(e_);
    e_ = std::exchange(o.e_, nullptr);
  }
  return *this;
}
void Event::record(stream_t stream) { TESSERA_CUDA_CHECK(cudaEventRecord(e_, stream)); }
void Event::synchronize() const { TESSERA_CUDA_CHECK(cudaEventSynchronize(e_)); }
bool Event::done() const {
  const cudaError_t rc = cudaEventQuery(e_);
  if (rc == cudaErrorNotReady) return false;
  TESSERA_CUDA_CHECK(rc);
  return true;
}
float Event::elapsed_ms(const Event& start, const Event& stop) {
  float ms = 0;
  TESSERA_CUDA_CHECK(cudaEventElapsedTime(&ms, start.e_, stop.e_));
  return ms;
}

#else  // no CUDA: everything that needs a GPU says so

namespace detail {
void* device_malloc(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  throw_no_cuda("DeviceBuffer");
}
void device_free(void*) noexcept {}
void* pinned_malloc(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  throw_no_cuda("PinnedBuffer");
}
void pinned_free(void*) noexcept {}
void copy_bytes(void*, const void*, std::size_t bytes, Direction) {
  if (bytes != 0) throw_no_cuda("device copy");
}
void copy_bytes_async(void*, const void*, std::size_t bytes, Direction, stream_t) {
  if (bytes != 0) throw_no_cuda("device copy");
}
void copy_2d_async(void*, std::size_t, const void*, std::size_t, std::size_t row_bytes, std::size_t rows,
                   Direction, stream_t) {
  if (row_bytes != 0 && rows != 0) throw_no_cuda("device copy");
}
void memset_bytes_async(void*, int, std::size_t bytes, stream_t) {
  if (bytes != 0) throw_no_cuda("device memset");
}
}  // namespace detail

int visible_device_count() { return 0; }
std::string no_device_reason() { return "this build of Tessera has no CUDA support"; }
void require_device(const std::string& what) { throw_no_cuda(what); }
int current_device() { throw_no_cuda("gpu::current_device"); }
void synchronize_device() { throw_no_cuda("gpu::synchronize_device"); }

Stream::Stream() { throw_no_cuda("gpu::Stream"); }
Stream::~Stream() = default;
Stream& Stream::operator=(Stream&& o) noexcept {
  s_ = std::exchange(o.s_, nullptr);
  return *this;
}
void Stream::synchronize() const { throw_no_cuda("gpu::Stream"); }

Event::Event() { throw_no_cuda("gpu::Event"); }
Event::~Event() = default;
Event& Event::operator=(Event&& o) noexcept {
  e_ = std::exchange(o.e_, nullptr);
  return *this;
}
void Event::record(stream_t) { throw_no_cuda("gpu::Event"); }
void Event::synchronize() const { throw_no_cuda("gpu::Event"); }
bool Event::done() const { throw_no_cuda("gpu::Event"); }
float Event::elapsed_ms(const Event&, const Event&) { throw_no_cuda("gpu::Event"); }

#endif

}  // namespace tessera::gpu
