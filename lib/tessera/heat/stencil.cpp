#include "tessera/heat/stencil.hpp"

#include <algorithm>

namespace tessera::heat {

using array::local_box;

namespace {
// Rows below this many cells run on one thread: a parallel region costs more than it saves.
constexpr Index parallel_threshold = 16384;

// The kernels are built twice (AVX2 and the baseline ISA) and picked at load time where the
// toolchain supports function multiversioning. Neither clone enables FMA, so both round every
// operation the same way and give bitwise-identical results.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define TESSERA_STENCIL_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef TESSERA_STENCIL_CLONES
#define TESSERA_STENCIL_CLONES
#endif

TESSERA_STENCIL_CLONES
void row1(const double* __restrict c, double* __restrict out, Index len, double r) {
#pragma omp simd
  for (Index k = 0; k < len; ++k) {
    const double uc = c[k];
    out[k] = uc + r * ((c[k - 1] + c[k + 1]) - (uc + uc));
  }
}

// One row of the 5-point update.
TESSERA_STENCIL_CLONES
void row2(const double* __restrict c, double* __restrict out, Index s0, Index len, double r) {
#pragma omp simd
  for (Index k = 0; k < len; ++k) {
    const double uc = c[k];
    out[k] = uc + r * (((c[k - s0] + c[k + s0]) - (uc + uc)) + ((c[k - 1] + c[k + 1]) - (uc + uc)));
  }
}

// Two neighbouring rows at once: each loaded row serves both (fewer loads per cell, which is what
// limits the kernel once the data streams from memory). The same formula as row2 for each cell.
TESSERA_STENCIL_CLONES
void row2_pair(const double* __restrict c, double* __restrict out, Index s0, Index len, double r) {
  const double* __restrict up = c - s0;
  const double* __restrict a = c;
  const double* __restrict b = c + s0;
  const double* __restrict down = c + 2 * s0;
  double* __restrict oa = out;
  double* __restrict ob = out + s0;
#pragma omp simd
  for (Index k = 0; k < len; ++k) {
    const double ua = a[k], ub = b[k];
    oa[k] = ua + r * (((up[k] + ub) - (ua + ua)) + ((a[k - 1] + a[k + 1]) - (ua + ua)));
    ob[k] = ub + r * (((ua + down[k]) - (ub + ub)) + ((b[k - 1] + b[k + 1]) - (ub + ub)));
  }
}

// One row of the 7-point update.
TESSERA_STENCIL_CLONES
void row3(const double* __restrict c, double* __restrict out, Index s0, Index s1, Index len, double r) {
#pragma omp simd
  for (Index k = 0; k < len; ++k) {
    const double uc = c[k];
    out[k] = uc + r * ((((c[k - s0] + c[k + s0]) - (uc + uc)) + ((c[k - s1] + c[k + s1]) - (uc + uc))) +
                       ((c[k - 1] + c[k + 1]) - (uc + uc)));
  }
}
}  // namespace

void ftcs_update(const DistArray<double>& u, DistArray<double>& u_new, double r, const Box& reg) {
  if (u.ghost() < 1) throw Error("ftcs_update: the array needs ghost layers");
  if (u.alloc_size() != u_new.alloc_size() || u.ghost() != u_new.ghost())
    throw Error("ftcs_update: u and u_new differ in shape or ghost width");
  if (reg.empty() || u.empty()) return;
  const double* src = u.data();
  double* dst = u_new.data();
  const int nd = u.ndims();
  if (nd == 1) {
    const Index o = u.offset(reg.lo[0]);
    row1(src + o, dst + o, reg.extent(0), r);
    return;
  }
  const Index s0 = u.stride(0);
  if (nd == 2) {
    // Rows in pairs (the last one alone when their number is odd); each thread takes whole pairs.
    const Index i0 = reg.lo[0], j0 = reg.lo[1], len = reg.extent(1), rows = reg.extent(0), pairs = rows / 2;
#pragma omp parallel for schedule(static) if (reg.size() >= parallel_threshold)
    for (Index p = 0; p < pairs; ++p) {
      const Index o = u.offset(i0 + 2 * p, j0);
      row2_pair(src + o, dst + o, s0, len, r);
    }
    if (rows % 2) {
      const Index o = u.offset(i0 + rows - 1, j0);
      row2(src + o, dst + o, s0, len, r);
    }
    return;
  }
  const Index s1 = u.stride(1);
  const Index i0 = reg.lo[0], i1 = reg.hi[0], j0 = reg.lo[1], j1 = reg.hi[1], k0 = reg.lo[2], len = reg.extent(2);
#pragma omp parallel for collapse(2) schedule(static) if (reg.size() >= parallel_threshold)
  for (Index i = i0; i < i1; ++i)
    for (Index j = j0; j < j1; ++j) {
      const Index o = u.offset(i, j, k0);
      row3(src + o, dst + o, s0, s1, len, r);
    }
}

}  // namespace tessera::heat
