// tessera/linalg/summa.hpp: distributed matrix multiply C = alpha * A * B + beta * C (SUMMA, van de
// Geijn & Watts 1997) over a 2D process grid, with the local GEMM on the CPU (blas) or on the GPU
// (cuda: Tessera's own kernel, cublas: cuBLAS).
//
// Data: A (m x k), B (k x n) and C (m x n) are 2D DistArrays on the SAME P x Q ProcessGrid, row-major.
// A's rows and C's rows are split alike over the P process rows, B's columns and C's columns alike
// over the Q process columns (make_summa_layouts builds such layouts). The k dimension is split
// twice, independently: A's columns over the Q process columns and B's rows over the P process rows,
// so the two splits of k differ in general (non-square grids, other chunk sizes, sizes that do not
// divide evenly). Any shape, any grid, any chunking that satisfies the above works; ranks that own
// nothing take part with empty blocks.
//
// Panels: k is walked in panels of at most `panel` columns over GLOBAL k. A panel never straddles
// an owner boundary of either split: a panel ends at k0 + panel, at the end of the current A-owner's
// k-range or at the end of the current B-owner's k-range, whichever comes first, and the next panel
// starts there (plan_panels). So each panel has exactly one owner process column for A(:, k0:k1)
// and one owner process row for B(k0:k1, :). For each panel the owner column broadcasts its A panel
// along every process row (MPI_Ibcast on the row communicator) and the owner row its B panel along
// every process column (column communicator); then every rank does C_local += A_panel * B_panel.
//
// Pipelining: the panel buffers are double-buffered and the broadcasts non-blocking, so panel i+1 is
// in flight while the local GEMM of panel i runs. On the CPU that GEMM is cut into pieces (two by
// default, along C's rows or columns, whichever repacks less) with MPI_Testall between them, so that
// MPI makes progress during the computation (Open MPI has no progress thread). On a 1 x 1 grid
// nothing is communicated and k is one panel (one GEMM).
//
// GPU backends (one device per rank: the caller makes it current, see gpu/device.hpp): A, B and C
// stay in device memory for the whole multiply (multiply_device), or are copied there once per call
// (multiply with host arrays). Panels travel one of two ways:
//   direct   (CUDA-aware MPI): MPI_Ibcast on device memory; an A panel is first packed into a
//            contiguous device buffer, a B panel (contiguous rows) is sent in place;
//   staging  (any MPI): the owner copies the panel device -> pinned host buffer (cudaMemcpy2DAsync
//            on a D2H stream; the copy also packs A), broadcasts from pinned memory; receivers
//            broadcast into pinned memory, copy host -> device panel buffer on an H2D stream and
//            the GEMM on the compute stream waits for that copy through an event. Pinned and device
//            panel buffers are double-buffered; events order their reuse. So while GEMM(i) runs on
//            the compute stream, panel i+1 is packed, broadcast and uploaded.
// GpuAware::automatic picks direct when gpu::cuda_aware_mpi() says so (Debian's Open MPI: no).
//
// Errors: layouts that do not fit together, a bad panel width, a GPU backend without CUDA or
// without a device, or the direct path on an MPI without CUDA support throw UsageError (exit 2),
// collectively (every rank of the grid throws). MPI/CUDA failures throw tessera::Error (exit 3).
//
//   auto L = linalg::make_summa_layouts(grid, m, n, k);
//   array::DistArray<double> A(L.a), B(L.b), C(L.c);
//   ... fill A and B ...
//   linalg::SummaOptions opt;             // blas, panel 256
//   auto stats = linalg::summa(1.0, A, B, 0.0, C, opt);
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/linalg/gemm.hpp"
#include "tessera/mpi/comm.hpp"

namespace tessera::linalg {

// How GPU panels are broadcast: `automatic` asks gpu::cuda_aware_mpi(); `on` insists on device
// pointers (UsageError when the MPI library does not report CUDA support; TESSERA_CUDA_AWARE_MPI=1
// vouches for one that cannot be asked); `off` always stages through pinned host memory.
enum class GpuAware { automatic, on, off };
// "auto" | "on" | "off" (UsageError otherwise).
GpuAware parse_gpu_aware(const std::string& text);
const char* to_string(GpuAware mode);

struct SummaOptions {
  GemmBackend backend = GemmBackend::blas;
  Index panel = 256;                       // panel width (columns of A / rows of B per step), >= 1
  GpuAware gpu_aware = GpuAware::automatic;
  bool fuse_local = true;                  // 1 x 1 grid: one panel over all of k (one GEMM)
  // blas: while the next panel is in flight, a panel's GEMM is cut into this many calls (along C's
  // rows or columns, whichever repacks the smaller operand) with an MPI progress test between them,
  // each of at least min_piece_flops (tuning; tests lower it to exercise the cuts).
  int host_pieces = 2;
  double min_piece_flops = 6.4e7;
};

// One step of the k loop: global k range [k0, k1), the process column owning A(:, k0:k1) (the root
// of the row broadcast) and the process row owning B(k0:k1, :) (the root of the column broadcast).
struct SummaPanel {
  Index k0 = 0, k1 = 0;
  int a_owner = 0;
  int b_owner = 0;
  Index width() const { return k1 - k0; }
  friend bool operator==(const SummaPanel& x, const SummaPanel& y) {
    return x.k0 == y.k0 && x.k1 == y.k1 && x.a_owner == y.a_owner && x.b_owner == y.b_owner;
  }
};

// The panels, in order, for A's column split (a: m x k layout) and B's row split (b: k x n layout);
// pure index arithmetic (detached layouts work). Each panel has 1 .. `panel` columns and lies inside
// one A-owner range and one B-owner range; together they cover [0, k) once. With `whole` set the
// width limit is dropped (panels end only at owner boundaries). Throws UsageError when panel < 1
// or the k extents differ.
std::vector<SummaPanel> plan_panels(const array::BlockLayout& a, const array::BlockLayout& b, Index panel,
                                    bool whole = false);

// Layouts for C = A * B on `grid` (2D): one chunk per process coordinate along each dimension
// (chunk = ceil(extent / grid dim)), so A and C share rows, B and C share columns.
struct SummaLayouts {
  array::BlockLayout a, b, c;
};
SummaLayouts make_summa_layouts(const mpi::ProcessGrid& grid, Index m, Index n, Index k);

// Throws UsageError (on every rank of the grid, no collective needed: layouts are the same on all
// ranks) unless a, b and c are 2D layouts on one grid with conforming shapes and splits (see top).
void check_summa_layouts(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c);

// Bytes this rank needs for SUMMA's own buffers (not A, B, C themselves) with elements of
// `elem_size` bytes: host panel buffers (blas), pinned host and device panel buffers (GPU backends;
// pinned only when staging). `direct` tells whether the GPU panels go straight from device memory.
struct SummaMemory {
  double host_bytes = 0;
  double pinned_bytes = 0;
  double device_bytes = 0;
};
SummaMemory summa_workspace(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c,
                            std::size_t elem_size, const SummaOptions& opt, bool direct);

// Where the time of one multiply went, on this rank (seconds).
struct SummaStats {
  double total_s = 0;     // wall time of the multiply (device: until the result is complete)
  double gemm_s = 0;      // local GEMMs (blas: host time; GPU: device time from CUDA events)
  double wait_s = 0;      // blocked waiting for panel broadcasts to complete
  double comm_s = 0;      // broadcasts in flight: sum over panels of post -> completion seen
  double staging_s = 0;   // host<->device panel copies (device time from CUDA events); 0 for blas/direct
  double pack_s = 0;      // packing A panels on the host (blas)
  double upload_s = 0;    // multiply() with a GPU backend: A, B, C to the device
  double download_s = 0;  // ... and C back
  std::int64_t panels = 0;
  double bytes_received = 0;  // panel bytes this rank received by broadcast
  bool device_direct = false;  // GPU panels broadcast from device memory (CUDA-aware MPI)

  // Share of communication and staging that was hidden behind the local GEMMs:
  // 1 - (total - gemm) / (comm + staging), clamped to [0, 1]; 1 when there was nothing to hide.
  double overlap() const;
};

namespace detail {
template <typename T>
struct SummaDevice;  // GPU buffers, streams and events (summa_device.cpp)
}

// A planned multiply for fixed layouts: communicators, panel plan and buffers are made once and
// reused by every call (warm-up and timed repetitions). Constructor and calls are collective over
// the grid. T is float or double.
template <typename T>
class Summa {
 public:
  Summa(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c,
        SummaOptions opt = {});
  ~Summa();
  Summa(Summa&&) noexcept;
  Summa& operator=(Summa&&) noexcept;
  Summa(const Summa&) = delete;
  Summa& operator=(const Summa&) = delete;

  // C = alpha * A * B + beta * C on host arrays with the constructor's layouts (ghost layers are
  // allowed). GPU backends: A, B (and C unless beta == 0) are copied to the device, multiplied
  // there with multiply_device and C is copied back. BLAS conventions: beta == 0 never reads C.
  SummaStats multiply(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                      array::DistArray<T>& C);

  // GPU backends: this rank's blocks in memory of the current device, dense row-major:
  // dA local_rows x a_local_cols, dB b_local_rows x local_cols, dC local_rows x local_cols
  // (see the accessors below; pointers may be null for empty blocks). Returns when C is complete.
  SummaStats multiply_device(T alpha, const T* dA, const T* dB, T beta, T* dC);

  Index local_rows() const { return mloc_; }     // rows of this rank's A and C blocks
  Index local_cols() const { return nloc_; }     // columns of this rank's B and C blocks
  Index a_local_cols() const { return ka_; }     // this rank's share of k in A
  Index b_local_rows() const { return kb_; }     // this rank's share of k in B
  const std::vector<SummaPanel>& panels() const { return panels_; }
  const SummaOptions& options() const { return opt_; }
  // Whether GPU panels go straight from device memory (false for blas).
  bool device_direct() const { return direct_; }
  const mpi::Comm& row_comm() const { return row_; }  // my process row (rank = grid column)
  const mpi::Comm& col_comm() const { return col_; }  // my process column (rank = grid row)

 private:
  void check_arrays(const array::DistArray<T>& A, const array::DistArray<T>& B, const array::DistArray<T>& C) const;
  SummaStats run_host(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                      array::DistArray<T>& C);
  SummaStats run_device(T alpha, const T* dA, const T* dB, T beta, T* dC);

  array::BlockLayout a_, b_, c_;
  SummaOptions opt_;
  mpi::Comm row_, col_;
  std::vector<SummaPanel> panels_;
  Index mloc_ = 0, nloc_ = 0, ka_ = 0, kb_ = 0;
  Index a_k0_ = 0, b_k0_ = 0;  // first global k of my A columns / my B rows
  Index max_width_ = 0;
  int my_row_ = 0, my_col_ = 0;
  bool direct_ = false;
  std::array<std::vector<T>, 2> host_a_, host_b_;  // blas panel buffers
  std::unique_ptr<detail::SummaDevice<T>> dev_;
};

// One-off: plans and multiplies (collective). See Summa<T>::multiply.
template <typename T>
SummaStats summa(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                 array::DistArray<T>& C, const SummaOptions& opt = {});

extern template class Summa<float>;
extern template class Summa<double>;

}  // namespace tessera::linalg
