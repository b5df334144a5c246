// tessera/linalg/summa_device.cpp: the GPU pipeline of Summa<T> (see summa.hpp for the design).
//
// Panel i uses slot s = i % 2 of the panel buffers. Per panel, in host order:
//   pack(i)  owner, async: staging: d2h waits landed[s] (the H2D of panel i-2 has stopped reading
//            pin[s]), copies its part of A (2D copy: also packs the columns) / of B into pin[s];
//            direct: d2h waits done[s] (GEMM i-2 has stopped reading dev_a[s]) and packs A into
//            dev_a[s] (device to device; B is sent in place). Records packed[s].
//   post(i)  owner: host waits packed[s]. Receiver: host waits landed[s] (staging: pin[s] free) or
//            done[s] (direct: dev[s] free). Then MPI_Ibcast of A on the row, B on the column.
//   wait(i)  MPI_Waitall on panel i's broadcasts.
//   land(i)  receiver, staging: h2d waits done[s], uploads pin[s] -> dev[s], records landed[s];
//            compute waits landed[s].
//   gemm(i)  compute: C += A_i * B_i (beta on the first panel) from dev[s] or from the owner's own
//            blocks, records done[s].
// The loop is pack(0) post(0), then for each i: pack(i+1), wait(i), land(i), gemm(i), post(i+1):
// the host posts panel i+1 right after queueing GEMM(i), and waits for it while GEMM(i) runs.
#include <cstddef>

#include "tessera/core/timer.hpp"
#include "tessera/linalg/summa.hpp"
#include "tessera/linalg/summa_device.hpp"
#include "tessera/mpi/requests.hpp"

namespace tessera::linalg {

template <typename T>
SummaStats Summa<T>::run_device(T alpha, const T* dA, const T* dB, T beta, T* dC) {
#ifndef TESSERA_HAVE_CUDA
  (void)alpha, (void)dA, (void)dB, (void)beta, (void)dC;
  gpu::throw_no_cuda("summa on the GPU");
#else
  auto& d = *dev_;
  const Timer total;
  SummaStats st;
  st.panels = static_cast<std::int64_t>(panels_.size());
  st.device_direct = direct_;
  const bool send_a = row_.size() > 1 && mloc_ > 0;  // the whole process row agrees
  const bool send_b = col_.size() > 1 && nloc_ > 0;  // the whole process column agrees
  const std::size_t es = sizeof(T);
  const MPI_Datatype type = mpi::mpi_type<T>();
  mpi::Requests reqs[2];
  double posted[2] = {0, 0};
  bool pending[2] = {false, false};

  auto own_a = [&](const SummaPanel& p) { return send_a && my_col_ == p.a_owner; };
  auto own_b = [&](const SummaPanel& p) { return send_b && my_row_ == p.b_owner; };
  auto recv_a = [&](const SummaPanel& p) { return send_a && my_col_ != p.a_owner; };
  auto recv_b = [&](const SummaPanel& p) { return send_b && my_row_ != p.b_owner; };
  // Whether the owner copies anything out of its blocks for panel p.
  auto owner_copies = [&](const SummaPanel& p) { return own_a(p) || (own_b(p) && !direct_); };

  auto pack = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2);
    if (!owner_copies(p)) return;
    const auto w = static_cast<std::size_t>(p.width());
    const auto rows_a = static_cast<std::size_t>(mloc_);
    if (direct_) {
      TESSERA_CUDA_CHECK(cudaStreamWaitEvent(d.d2h.get(), d.done[s].get(), 0));
      const int t = d.d2h_time.start(d.d2h);
      TESSERA_CUDA_CHECK(cudaMemcpy2DAsync(d.dev_a[s].data(), w * es, dA + (p.k0 - a_k0_),
                                           static_cast<std::size_t>(ka_) * es, w * es, rows_a,
                                           cudaMemcpyDeviceToDevice, d.d2h.get()));
      d.d2h_time.stop(t, d.d2h);
    } else {
      TESSERA_CUDA_CHECK(cudaStreamWaitEvent(d.d2h.get(), d.landed[s].get(), 0));
      const int t = d.d2h_time.start(d.d2h);
      if (own_a(p))
        TESSERA_CUDA_CHECK(cudaMemcpy2DAsync(d.pin_a[s].data(), w * es, dA + (p.k0 - a_k0_),
                                             static_cast<std::size_t>(ka_) * es, w * es, rows_a,
                                             cudaMemcpyDeviceToHost, d.d2h.get()));
      if (own_b(p))
        TESSERA_CUDA_CHECK(cudaMemcpyAsync(d.pin_b[s].data(), dB + (p.k0 - b_k0_) * nloc_,
                                           w * static_cast<std::size_t>(nloc_) * es, cudaMemcpyDeviceToHost,
                                           d.d2h.get()));
      d.d2h_time.stop(t, d.d2h);
    }
    d.packed[s].record(d.d2h);
  };

  auto post = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2);
    const Index w = p.width();
    if (!send_a && !send_b) return;
    const Timer blocked;
    if (owner_copies(p)) d.packed[s].synchronize();
    if (recv_a(p) || recv_b(p)) (direct_ ? d.done[s] : d.landed[s]).synchronize();
    st.wait_s += blocked.elapsed();
    if (send_a) {
      T* buf = direct_ ? d.dev_a[s].data() : d.pin_a[s].data();
      if (recv_a(p)) st.bytes_received += static_cast<double>(mloc_ * w) * es;
      TESSERA_MPI_CHECK(MPI_Ibcast(buf, static_cast<int>(mloc_ * w), type, p.a_owner, row_.get(), reqs[s].add()));
    }
    if (send_b) {
      T* buf = direct_ ? d.dev_b[s].data() : d.pin_b[s].data();
      if (direct_ && own_b(p)) buf = const_cast<T*>(dB + (p.k0 - b_k0_) * nloc_);  // rows are contiguous; only read
      if (recv_b(p)) st.bytes_received += static_cast<double>(w * nloc_) * es;
      TESSERA_MPI_CHECK(MPI_Ibcast(buf, static_cast<int>(w * nloc_), type, p.b_owner, col_.get(), reqs[s].add()));
    }
    posted[s] = wtime();
    pending[s] = true;
  };

  auto wait = [&](std::size_t i) {
    const int s = static_cast<int>(i % 2);
    if (!pending[s]) return;
    const Timer t;
    reqs[s].wait_all();
    st.comm_s += wtime() - posted[s];
    pending[s] = false;
    st.wait_s += t.elapsed();
  };

  auto land = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2);
    if (direct_ || !(recv_a(p) || recv_b(p))) return;
    const auto w = static_cast<std::size_t>(p.width());
    TESSERA_CUDA_CHECK(cudaStreamWaitEvent(d.h2d.get(), d.done[s].get(), 0));
    const int t = d.h2d_time.start(d.h2d);
    if (recv_a(p))
      TESSERA_CUDA_CHECK(cudaMemcpyAsync(d.dev_a[s].data(), d.pin_a[s].data(), static_cast<std::size_t>(mloc_) * w * es,
                                         cudaMemcpyHostToDevice, d.h2d.get()));
    if (recv_b(p))
      TESSERA_CUDA_CHECK(cudaMemcpyAsync(d.dev_b[s].data(), d.pin_b[s].data(), w * static_cast<std::size_t>(nloc_) * es,
                                         cudaMemcpyHostToDevice, d.h2d.get()));
    d.h2d_time.stop(t, d.h2d);
    d.landed[s].record(d.h2d);
    TESSERA_CUDA_CHECK(cudaStreamWaitEvent(d.compute.get(), d.landed[s].get(), 0));
  };

  auto gemm_panel = [&](std::size_t i) {
    const SummaPanel& p = panels_[i];
    const int s = static_cast<int>(i % 2);
    const Index w = p.width();
    if (mloc_ > 0 && nloc_ > 0) {
      const T* a = recv_a(p) ? d.dev_a[s].data() : dA + (p.k0 - a_k0_);
      const Index la = recv_a(p) ? w : ka_;
      const T* b = recv_b(p) ? d.dev_b[s].data() : dB + (p.k0 - b_k0_) * nloc_;
      const T beta_i = i == 0 ? beta : T(1);
      const int t = d.gemm_time.start(d.compute);
      gemm_device<T>(opt_.backend, mloc_, nloc_, w, alpha, a, la, b, nloc_, beta_i, dC, nloc_, d.compute);
      d.gemm_time.stop(t, d.compute);
    }
    d.done[s].record(d.compute);
  };

  const std::size_t n = panels_.size();
  pack(0);
  post(0);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n) pack(i + 1);  // async copy-out, overlaps the wait below
    wait(i);
    land(i);
    gemm_panel(i);
    if (i + 1 < n) post(i + 1);  // in flight while GEMM(i) runs
  }
  d.compute.synchronize();
  st.gemm_s = d.gemm_time.take_seconds();
  const double d2h = d.d2h_time.take_seconds(), h2d = d.h2d_time.take_seconds();
  if (direct_) {
    st.pack_s = d2h;  // device-to-device packing, no staging
  } else {
    st.staging_s = d2h + h2d;
  }
  st.total_s = total.elapsed();
  return st;
#endif
}

template SummaStats Summa<float>::run_device(float, const float*, const float*, float, float*);
template SummaStats Summa<double>::run_device(double, const double*, const double*, double, double*);

}  // namespace tessera::linalg
