// tessera/linalg/summa.cpp: Summa<T> set-up, the host entry points, and the CPU (blas) pipeline.
// The GPU pipeline is in summa_device.cpp.
#include "tessera/linalg/summa.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/gpu/aware_probe.hpp"
#include "tessera/gpu/runtime.hpp"
#include "tessera/linalg/summa_device.hpp"
#include "tessera/mpi/requests.hpp"

namespace tessera::linalg {

namespace {

bool same_layout(const array::BlockLayout& x, const array::BlockLayout& y) {
  return x.shape() == y.shape() && x.chunk_shape() == y.chunk_shape() && x.grid_dims() == y.grid_dims() &&
         x.local_box() == y.local_box();
}

// First element of the owned box and its row stride (elements), for a 2D DistArray.
template <typename T>
const T* block_of(const array::DistArray<T>& a) {
  return a.empty() ? nullptr : a.data() + a.offset(0, 0);
}
template <typename T>
T* block_of(array::DistArray<T>& a) {
  return a.empty() ? nullptr : a.data() + a.offset(0, 0);
}

// How the host GEMM of a panel is cut while the next panel is in flight, so that MPI gets a chance
// to progress that broadcast between the calls (Open MPI has no progress thread). Each extra call
// packs one operand again: cutting C's rows repacks the B panel (w x n), cutting its columns the
// A panel (m x w), so the cheaper direction is taken. By default two pieces (one progress point in
// the middle of the GEMM: with shared memory the transfer is one copy), none below ~64 MFLOP.
struct Slicing {
  bool by_rows = true;
  Index size = 1;  // rows (or columns) of C per call
};
Slicing slicing(Index m, Index n, Index k, int pieces, double min_flops) {
  Slicing s;
  s.by_rows = m >= n;  // rows: repack w x n; columns: repack m x w
  const Index extent = s.by_rows ? m : n, other = s.by_rows ? n : m;
  const double flops_per_line = 2.0 * static_cast<double>(other) * static_cast<double>(k);
  const Index min_lines = static_cast<Index>(min_flops / std::max(1.0, flops_per_line)) + 1;
  const Index p = std::max(1, pieces);
  Index lines = std::max<Index>((extent + p - 1) / p, min_lines);
  if (lines > 16) lines = (lines + 15) / 16 * 16;
  s.size = std::max<Index>(1, std::min(lines, extent));
  return s;
}

}  // namespace

template <typename T>
Summa<T>::Summa(const array::BlockLayout& a, const array::BlockLayout& b, const array::BlockLayout& c,
                SummaOptions opt)
    : a_(a), b_(b), c_(c), opt_(opt) {
  // Layouts are identical on every rank, so these throw everywhere or nowhere.
  check_summa_layouts(a_, b_, c_);
  if (opt_.panel < 1) throw UsageError("summa: the panel width must be at least 1, not " + std::to_string(opt_.panel));
  const auto& grid = c_.grid();
  const int P = grid.dim(0), Q = grid.dim(1);
  my_row_ = grid.coord(0);
  my_col_ = grid.coord(1);
  row_ = grid.sub(1);  // ranks of my process row, ordered by grid column
  col_ = grid.sub(0);  // ranks of my process column, ordered by grid row
  if (row_.rank() != my_col_ || col_.rank() != my_row_)
    throw Error("summa: row/column communicator ranks do not follow the grid coordinates");

  const Box& cb = c_.local_box();
  mloc_ = cb.extent(0);
  nloc_ = cb.extent(1);
  ka_ = a_.local_box().extent(1);
  a_k0_ = a_.lo(1, my_col_);
  kb_ = b_.local_box().extent(0);
  b_k0_ = b_.lo(0, my_row_);
  panels_ = plan_panels(a_, b_, opt_.panel, opt_.fuse_local && P == 1 && Q == 1);
  for (const auto& p : panels_) max_width_ = std::max(max_width_, p.width());

  const auto& world = grid.comm();
  // One broadcast carries a whole panel: its element count must fit MPI's int.
  const bool fits = (Q == 1 || mloc_ * max_width_ <= INT_MAX) && (P == 1 || max_width_ * nloc_ <= INT_MAX);
  world.agree(fits, "summa: a panel of " + std::to_string(max_width_) + " columns is too large for one MPI message (" +
                        std::to_string(mloc_) + " x " + std::to_string(nloc_) + " local block); use a smaller panel");

  if (!on_device(opt_.backend)) return;
  world.collective_check(
      [&] { gpu::require_device(std::string("summa with the ") + to_string(opt_.backend) + " backend"); });
  // The library's claim, proven by a device-buffer round trip before device panels are trusted to it.
  std::string why;
  const bool aware = opt_.gpu_aware != GpuAware::off && gpu::cuda_aware_mpi_confirmed(world, &why);
  world.agree(opt_.gpu_aware != GpuAware::on || aware,
              "--gpu-aware on: " + why + " (set TESSERA_CUDA_AWARE_MPI=1 to vouch for the library, or use --gpu-aware auto|off)");
  direct_ = aware;
  // All ranks must take the same path (the broadcast buffers on both ends must agree in kind).
  world.agree(world.all(direct_) || !world.any(direct_),
              "summa: ranks disagree on CUDA-aware MPI; set TESSERA_CUDA_AWARE_MPI or use --gpu-aware off");
  const auto a_panel = static_cast<std::size_t>(Q > 1 ? mloc_ * max_width_ : 0);
  const auto b_panel = static_cast<std::size_t>(P > 1 ? max_width_ * nloc_ : 0);
  world.collective_check([&] { dev_ = std::make_unique<detail::SummaDevice<T>>(a_panel, b_panel, !direct_); });
}

template <typename T>
Summa<T>::~Summa() = default;
template <typename T>
Summa<T>::Summa(Summa&&) noexcept = default;
template <typename T>
Summa<T>& Summa<T>::operator=(Summa&&) noexcept = default;

template <typename T>
void Summa<T>::check_arrays(const array::DistArray<T>& A, const array::DistArray<T>& B,
                            const array::DistArray<T>& C) const {
  if (!same_layout(A.layout(), a_)) throw UsageError("summa: A's layout is not the one this multiply was planned for");
  if (!same_layout(B.layout(), b_)) throw UsageError("summa: B's layout is not the one this multiply was planned for");
  if (!same_layout(C.layout(), c_)) throw UsageError("summa: C's layout is not the one this multiply was planned for");
}

template <typename T>
SummaStats Summa<T>::multiply(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                              array::DistArray<T>& C) {
  check_arrays(A, B, C);
  if (!on_device(opt_.backend)) return run_host(alpha, A, B, beta, C);

  // GPU backend on host arrays: dense device copies of the three blocks for the whole multiply.
  const Timer up;
  gpu::Stream stream;
  const auto um = static_cast<std::size_t>(mloc_), un = static_cast<std::size_t>(nloc_);
  const auto uka = static_cast<std::size_t>(ka_), ukb = static_cast<std::size_t>(kb_);
  gpu::DeviceBuffer<T> dA(um * uka), dB(ukb * un), dC(um * un);
  if (!A.empty())
    gpu::copy_matrix_to_device_async(dA.data(), uka, block_of(A), static_cast<std::size_t>(A.stride(0)), um, uka,
                                     stream);
  if (!B.empty())
    gpu::copy_matrix_to_device_async(dB.data(), un, block_of(B), static_cast<std::size_t>(B.stride(0)), ukb, un,
                                     stream);
  if (!C.empty() && beta != T(0))
    gpu::copy_matrix_to_device_async(dC.data(), un, block_of(C), static_cast<std::size_t>(C.stride(0)), um, un,
                                     stream);
  stream.synchronize();
  const double upload = up.elapsed();

  SummaStats st = run_device(alpha, dA.data(), dB.data(), beta, dC.data());
  st.upload_s = upload;
  const Timer down;
  if (!C.empty())
    gpu::copy_matrix_to_host_async(block_of(C), static_cast<std::size_t>(C.stride(0)), dC.data(), un, um, un, stream);
  stream.synchronize();
  st.download_s = down.elapsed();
  return st;
}

template <typename T>
SummaStats Summa<T>::multiply_device(T alpha, const T* dA, const T* dB, T beta, T* dC) {
  if (!on_device(opt_.backend))
    throw UsageError("summa: multiply_device needs a GPU backend (cuda or cublas), not blas");
  return run_device(alpha, dA, dB, beta, dC);
}

// The CPU pipeline. Panel i lives in slot i % 2 of the panel buffers. The broadcasts of panel i+1
// are posted before the GEMM of panel i, which tests them between its pieces, and are completed
// just before GEMM(i+1). Owners use their own blocks directly; an owner's B panel is broadcast in
// place (its rows are contiguous), its A panel is packed first (its columns are not).
template <typename T>
SummaStats Summa<T>::run_host(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                              array::DistArray<T>& C) {
  const Timer total;
  SummaStats st;
  st.panels = static_cast<std::int64_t>(panels_.size());
  const bool send_a = row_.size() > 1 && mloc_ > 0;  // a whole process row agrees (same rows)
  const bool send_b = col_.size() > 1 && nloc_ > 0;  // a whole process column agrees
  const T* Ap = block_of(A);
  const T* Bp = block_of(B);
  T* Cp = block_of(C);
  const Index lda = A.stride(0), ldb = B.stride(0), ldc = C.stride(0);
  for (int s = 0; s < 2; ++s) {
    if (send_a) host_a_[s].resize(static_cast<std::size_t>(mloc_ * max_width_));
    if (send_b) host_b_[s].resize(static_cast<std::size_t>(max_width_ * nloc_));
  }
  const MPI_Datatype type = mpi::mpi_type<T>();
  mpi::Requests reqs[2];
  double posted[2] = {0, 0};
  bool pending[2] = {false, false};

  auto post = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2);
    const Index w = p.width();
    if (send_a) {
      T* buf = host_a_[s].data();
      if (my_col_ == p.a_owner) {
        const Timer pack;
        for (Index r = 0; r < mloc_; ++r)
          std::memcpy(buf + r * w, Ap + r * lda + (p.k0 - a_k0_), static_cast<std::size_t>(w) * sizeof(T));
        st.pack_s += pack.elapsed();
      } else {
        st.bytes_received += static_cast<double>(mloc_ * w) * sizeof(T);
      }
      TESSERA_MPI_CHECK(MPI_Ibcast(buf, static_cast<int>(mloc_ * w), type, p.a_owner, row_.get(), reqs[s].add()));
    }
    if (send_b) {
      T* buf = host_b_[s].data();
      if (my_row_ == p.b_owner) {
        const T* rows = Bp + (p.k0 - b_k0_) * ldb;
        if (ldb == nloc_) {
          buf = const_cast<T*>(rows);  // the root's buffer is only read
        } else {
          const Timer pack;
          for (Index r = 0; r < w; ++r)
            std::memcpy(buf + r * nloc_, rows + r * ldb, static_cast<std::size_t>(nloc_) * sizeof(T));
          st.pack_s += pack.elapsed();
        }
      } else {
        st.bytes_received += static_cast<double>(w * nloc_) * sizeof(T);
      }
      TESSERA_MPI_CHECK(MPI_Ibcast(buf, static_cast<int>(w * nloc_), type, p.b_owner, col_.get(), reqs[s].add()));
    }
    posted[s] = wtime();
    pending[s] = send_a || send_b;
  };
  auto note_done = [&](int s) {
    if (!pending[s]) return;
    st.comm_s += wtime() - posted[s];
    pending[s] = false;
  };
  auto wait = [&](std::size_t i) {
    const int s = static_cast<int>(i % 2);
    if (!pending[s]) return;
    const Timer t;
    reqs[s].wait_all();
    note_done(s);
    st.wait_s += t.elapsed();
  };
  auto gemm_panel = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2), next = 1 - s;
    if (mloc_ == 0 || nloc_ == 0) return;
    const Index w = p.width();
    const bool a_local = !send_a || my_col_ == p.a_owner;
    const bool b_local = !send_b || my_row_ == p.b_owner;
    const T* a = a_local ? Ap + (p.k0 - a_k0_) : host_a_[s].data();
    const Index la = a_local ? lda : w;
    const T* b = b_local ? Bp + (p.k0 - b_k0_) * ldb : host_b_[s].data();
    const Index lb = b_local ? ldb : nloc_;
    const T beta_i = i == 0 ? beta : T(1);
    const Slicing cut = slicing(mloc_, nloc_, w, opt_.host_pieces, opt_.min_piece_flops);
    const Index extent = cut.by_rows ? mloc_ : nloc_;
    for (Index e0 = 0; e0 < extent;) {
      // in pieces while the next panel is in flight, the rest in one call once it has arrived
      const Index h = pending[next] ? std::min(cut.size, extent - e0) : extent - e0;
      const Timer t;
      if (cut.by_rows)
        gemm<T>(GemmBackend::blas, h, nloc_, w, alpha, a + e0 * la, la, b, lb, beta_i, Cp + e0 * ldc, ldc);
      else
        gemm<T>(GemmBackend::blas, mloc_, h, w, alpha, a, la, b + e0, lb, beta_i, Cp + e0, ldc);
      st.gemm_s += t.elapsed();
      e0 += h;
      if (pending[next] && reqs[next].test_all()) note_done(next);
    }
  };

  const std::size_t n = panels_.size();
  post(0);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n) post(i + 1);  // slot (i+1) % 2 was last used by GEMM(i-1), which has returned
    wait(i);
    gemm_panel(i);
  }
  st.total_s = total.elapsed();
  return st;
}

template <typename T>
SummaStats summa(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                 array::DistArray<T>& C, const SummaOptions& opt) {
  Summa<T> plan(A.layout(), B.layout(), C.layout(), opt);
  return plan.multiply(alpha, A, B, beta, C);
}

template class Summa<float>;
template class Summa<double>;
template SummaStats summa<float>(float, const array::DistArray<float>&, const array::DistArray<float>&, float,
                                 array::DistArray<float>&, const SummaOptions&);
template SummaStats summa<double>(double, const array::DistArray<double>&, const array::DistArray<double>&, double,
                                  array::DistArray<double>&, const SummaOptions&);

}  // namespace tessera::linalg
