// tessera/linalg/gemm_kernel.cuh (internal): Tessera's own GEMM kernel, C = alpha*A*B + beta*C,
// row-major (see gemm.hpp), for float and double. Included by gemm_kernel.cu only.
//
// Design (the classic SIMT SGEMM; no tensor cores, so FP32 results match CBLAS/cuBLAS closely):
//  - a block of 256 threads computes a 128 x 128 tile of C, walking k in steps of 8;
//  - each step, the 128 x 8 slice of A is stored TRANSPOSED in shared memory (a[k][m], rows padded
//    by 4 so the transposing stores are free of bank conflicts) and the 8 x 128 slice of B as is
//    (b[k][n]); both are then read as 16-byte vectors (float4 / double2);
//  - every thread owns an 8 x 8 block of C in registers, as 2 x 2 sub-blocks of 4 x 4 that sit
//    32 rows / 16 columns apart; the 8 warps form a 2 x 4 grid of 64 x 32 warp tiles, lanes an
//    8 x 4 grid, so a warp reads few distinct shared-memory words (broadcasts) per k;
//  - shared memory is double-buffered: the next k-slice is fetched from global memory into
//    registers while the current one is multiplied, then stored into the other buffer: one
//    __syncthreads per k-step;
//  - blocks are mapped onto tiles in groups of 8 tile rows (GROUP_M swizzle) for L2 reuse;
//  - any m, n, k: loads outside the matrix read zero, stores outside are skipped. The vector path
//    (kVec) needs 16-byte aligned A, B, C and leading dimensions that are multiples of the vector
//    width; otherwise the scalar path (kVec = false) is used, same tiles.
// Only uses plain CUDA C++ (no intrinsics), so tests/unit/test_gemm_kernel_host.cpp compiles it
// on the host with a few macros and runs it thread by thread (no GPU needed to check the indexing).
#pragma once
#include <cstdint>

// Full unrolling of the fixed-size loops (the host test defines it empty).
#ifndef TESSERA_UNROLL
#define TESSERA_UNROLL _Pragma("unroll")
#endif

namespace tessera::linalg::kernel {

constexpr int kBM = 128;      // tile rows (of A and C)
constexpr int kBN = 128;      // tile columns (of B and C)
constexpr int kBK = 8;        // k-step
constexpr int kThreads = 256;
constexpr int kPadA = 4;      // padding of the transposed A tile rows
constexpr int kGroupM = 8;    // tile rows per swizzle group
constexpr int kTM = 8;        // rows of C per thread
constexpr int kTN = 8;        // columns of C per thread

template <typename T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = float4;
  static constexpr int width = 4;
  static constexpr int min_blocks = 2;  // 2 blocks per SM: at most 128 registers per thread
};
template <>
struct VecOf<double> {
  using type = double2;
  static constexpr int width = 2;
  static constexpr int min_blocks = 1;  // 64 double accumulators need the registers
};

__device__ __forceinline__ void unpack(const float4& v, float* out) {
  out[0] = v.x;
  out[1] = v.y;
  out[2] = v.z;
  out[3] = v.w;
}
__device__ __forceinline__ void unpack(const double2& v, double* out) {
  out[0] = v.x;
  out[1] = v.y;
}
__device__ __forceinline__ float4 pack(const float* in) {
  float4 v;
  v.x = in[0];
  v.y = in[1];
  v.z = in[2];
  v.w = in[3];
  return v;
}
__device__ __forceinline__ double2 pack(const double* in) {
  double2 v;
  v.x = in[0];
  v.y = in[1];
  return v;
}

template <typename T>
struct alignas(16) Tiles {
  T a[2][kBK][kBM + kPadA];  // A slice, transposed: a[buf][p][i]
  T b[2][kBK][kBN];          // B slice: b[buf][p][j]
};

// Reads 4 consecutive shared-memory values starting at a 16-byte aligned address.
template <typename T>
__device__ __forceinline__ void load4_shared(const T* src, T* out) {
  using V = typename VecOf<T>::type;
  constexpr int W = VecOf<T>::width;
TESSERA_UNROLL
  for (int h = 0; h < 4 / W; ++h) unpack(reinterpret_cast<const V*>(src)[h], out + h * W);
}

// Reads W = VecOf<T>::width consecutive values src[0 .. W-1] of which the first `valid` (0 .. W)
// lie inside the matrix; the others read as zero (and are not touched).
template <typename T, bool kVec>
__device__ __forceinline__ void load_run(const T* __restrict__ src, int valid, T* out) {
  using V = typename VecOf<T>::type;
  constexpr int W = VecOf<T>::width;
  if (valid >= W) {
    if constexpr (kVec) {
      unpack(*reinterpret_cast<const V*>(src), out);
    } else {
TESSERA_UNROLL
      for (int j = 0; j < W; ++j) out[j] = src[j];
    }
  } else {
TESSERA_UNROLL
    for (int j = 0; j < W; ++j) out[j] = j < valid ? src[j] : T(0);
  }
}

// min(max(v, 0), W): how many of a run of W entries lie inside, given v entries left.
template <int W>
__device__ __forceinline__ int clamp_run(int v) {
  return v >= W ? W : (v > 0 ? static_cast<int>(v) : 0);
}

// dst[0 .. valid-1] = alpha * acc[0 .. valid-1] + beta * dst[...] (valid in 0 .. 4; dst not read when
// beta == 0). kVec: dst is 16-byte aligned, so a full run is written as vectors.
template <typename T, bool kVec>
__device__ __forceinline__ void store_run(T* __restrict__ dst, int valid, T alpha, T beta, const T* acc) {
  using V = typename VecOf<T>::type;
  constexpr int W = VecOf<T>::width;
  if (kVec && valid == 4) {
TESSERA_UNROLL
    for (int h = 0; h < 4 / W; ++h) {
      T out[W];
TESSERA_UNROLL
      for (int j = 0; j < W; ++j) out[j] = alpha * acc[h * W + j];
      V* p = reinterpret_cast<V*>(dst) + h;
      if (beta != T(0)) {
        T old[W];
        unpack(*p, old);
TESSERA_UNROLL
        for (int j = 0; j < W; ++j) out[j] += beta * old[j];
      }
      *p = pack(out);
    }
  } else if (beta == T(0)) {
TESSERA_UNROLL
    for (int j = 0; j < 4; ++j)
      if (j < valid) dst[j] = alpha * acc[j];
  } else {
TESSERA_UNROLL
    for (int j = 0; j < 4; ++j)
      if (j < valid) dst[j] = alpha * acc[j] + beta * dst[j];
  }
}

// Whether gemm_tiled<T, true> may be used: 16-byte aligned matrices whose leading dimensions are
// multiples of the vector width (so every vector the kernel touches is aligned).
template <typename T>
inline bool vector_path_ok(const T* A, std::int64_t lda, const T* B, std::int64_t ldb, const T* C,
                           std::int64_t ldc) {
  constexpr int W = VecOf<T>::width;
  auto ok = [](const T* p, std::int64_t ld) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0 && ld % W == 0; };
  return ok(A, lda) && ok(B, ldb) && ok(C, ldc);
}

// Number of 128 x 128 tiles (= blocks of the launch) for an m x n result.
inline std::int64_t tile_count(std::int64_t m, std::int64_t n) {
  return ((m + kBM - 1) / kBM) * ((n + kBN - 1) / kBN);
}

// Block `pid` -> (tile row, tile column), grouping kGroupM tile rows so that blocks running at the
// same time share slices of A and B in L2.
__device__ __forceinline__ void tile_of_block(int pid, int tiles_m, int tiles_n, int& tile_m, int& tile_n) {
  const int group_span = kGroupM * tiles_n;
  const int first_m = (pid / group_span) * kGroupM;
  const int rows_here = tiles_m - first_m < kGroupM ? tiles_m - first_m : kGroupM;
  const int local = pid % group_span;
  tile_m = first_m + local % rows_here;
  tile_n = local / rows_here;
}

// One block per 128 x 128 tile of C, 1D grid of tile_count(m, n) blocks of kThreads threads.
// Requires m, n, k >= 1 (k == 0 or alpha == 0 is scale_kernel's job) and tile_count(m, n) in int.
// Sizes are 32-bit (fewer registers: the float kernel fits 128, two blocks per SM, no spills);
// offsets into the matrices are 64-bit.
template <typename T, bool kVec>
__global__ void __launch_bounds__(kThreads, VecOf<T>::min_blocks)
    gemm_tiled(int m, int n, int k, T alpha, const T* __restrict__ A,
               std::int64_t lda, const T* __restrict__ B, std::int64_t ldb, T beta, T* __restrict__ C,
               std::int64_t ldc) {
  using V = typename VecOf<T>::type;
  constexpr int W = VecOf<T>::width;
  constexpr int kVecPerRowA = kBK / W;                  // vectors per row of the A slice
  constexpr int kVecPerRowB = kBN / W;                  // vectors per row of the B slice
  constexpr int kLoadsA = kBM * kBK / W / kThreads;     // vectors of A per thread per k-step
  constexpr int kLoadsB = kBK * kBN / W / kThreads;     // vectors of B per thread per k-step
  static_assert(kLoadsA >= 1 && kLoadsB >= 1, "tile too small for the block");
  static_assert(kBM * kBK % (W * kThreads) == 0 && kBK * kBN % (W * kThreads) == 0, "uneven tile loads");

  __shared__ Tiles<T> s;

  const int tiles_m = (m + kBM - 1) / kBM;
  const int tiles_n = (n + kBN - 1) / kBN;
  int tile_m = 0, tile_n = 0;
  tile_of_block(static_cast<int>(blockIdx.x), tiles_m, tiles_n, tile_m, tile_n);
  const int row0 = tile_m * kBM;  // first row and column of this block's tile
  const int col0 = tile_n * kBN;

  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32;
  const int lane = tid % 32;
  // This thread's C rows: tm .. tm+3 and tm+32 .. tm+35; columns: tn .. tn+3 and tn+16 .. tn+19.
  const int tm = (warp / 4) * 64 + (lane / 4) * 4;
  const int tn = (warp % 4) * 32 + (lane % 4) * 4;

  // Where this thread's share of each k-slice comes from. Slice t of A is columns 8t .. 8t+7,
  // slice t of B rows 8t .. 8t+7: the pointers advance by one slice per fetch, and `kleft` (the
  // columns of A / rows of B from the slice's start on) decides what is inside the matrix.
  const T* pa[kLoadsA];
  int a_col[kLoadsA];     // column of the run within the slice
  bool a_row_ok[kLoadsA];
TESSERA_UNROLL
  for (int i = 0; i < kLoadsA; ++i) {
    const int v = tid + i * kThreads;
    const int row = row0 + v / kVecPerRowA;
    a_col[i] = (v % kVecPerRowA) * W;
    a_row_ok[i] = row < m;
    pa[i] = A + (a_row_ok[i] ? row * lda : 0) + a_col[i];  // (64-bit products: row * lda)
  }
  const T* pb[kLoadsB];
  int b_row[kLoadsB];     // row of the run within the slice
  int b_cols[kLoadsB];    // how many of its W columns are inside the matrix
TESSERA_UNROLL
  for (int i = 0; i < kLoadsB; ++i) {
    const int v = tid + i * kThreads;
    const int c = (v % kVecPerRowB) * W;
    b_row[i] = v / kVecPerRowB;
    b_cols[i] = clamp_run<W>(n - col0 - c);
    pb[i] = B + b_row[i] * ldb + col0 + c;
  }

  T ra[kLoadsA][W];  // next k-slice, on its way from global memory to shared memory
  T rb[kLoadsB][W];

  auto fetch = [&](int kleft) {
TESSERA_UNROLL
    for (int i = 0; i < kLoadsA; ++i) {
      load_run<T, kVec>(pa[i], a_row_ok[i] ? clamp_run<W>(kleft - a_col[i]) : 0, ra[i]);
      pa[i] += kBK;
    }
TESSERA_UNROLL
    for (int i = 0; i < kLoadsB; ++i) {
      load_run<T, kVec>(pb[i], b_row[i] < kleft ? b_cols[i] : 0, rb[i]);
      pb[i] += kBK * ldb;
    }
  };
  auto stash = [&](int buf) {
TESSERA_UNROLL
    for (int i = 0; i < kLoadsA; ++i) {
      const int v = tid + i * kThreads;
      const int r = v / kVecPerRowA, c = (v % kVecPerRowA) * W;
TESSERA_UNROLL
      for (int j = 0; j < W; ++j) s.a[buf][c + j][r] = ra[i][j];
    }
TESSERA_UNROLL
    for (int i = 0; i < kLoadsB; ++i) {
      const int v = tid + i * kThreads;
      const int r = v / kVecPerRowB, c = (v % kVecPerRowB) * W;
      *reinterpret_cast<V*>(&s.b[buf][r][c]) = pack(rb[i]);
    }
  };

  T acc[kTM][kTN];
TESSERA_UNROLL
  for (int i = 0; i < kTM; ++i)
TESSERA_UNROLL
    for (int j = 0; j < kTN; ++j) acc[i][j] = T(0);

  int kleft = k;  // >= 1
  fetch(kleft);
  stash(0);
  __syncthreads();

  for (int buf = 0;; buf ^= 1) {
    kleft -= kBK;
    const bool more = kleft > 0;
    if (more) fetch(kleft);  // global loads in flight during the multiply below

TESSERA_UNROLL
    for (int p = 0; p < kBK; ++p) {
      T a[kTM], b[kTN];
      load4_shared(&s.a[buf][p][tm], a);
      load4_shared(&s.a[buf][p][tm + 32], a + 4);
      load4_shared(&s.b[buf][p][tn], b);
      load4_shared(&s.b[buf][p][tn + 16], b + 4);
TESSERA_UNROLL
      for (int i = 0; i < kTM; ++i)
TESSERA_UNROLL
        for (int j = 0; j < kTN; ++j) acc[i][j] += a[i] * b[j];
    }
    if (!more) break;
    // The other buffer was last read in the previous step, before the barrier that ended it.
    stash(buf ^ 1);
    __syncthreads();
  }

  // Epilogue: C = alpha * acc + beta * C, by runs of 4 columns.
  const int cols_lo = clamp_run<4>(n - (col0 + tn));
  const int cols_hi = clamp_run<4>(n - (col0 + tn + 16));
TESSERA_UNROLL
  for (int i = 0; i < kTM; ++i) {
    const int row = row0 + tm + (i < 4 ? i : 32 + (i - 4));
    if (row >= m) break;  // rows grow with i
    T* crow = C + static_cast<std::int64_t>(row) * ldc + col0 + tn;
    store_run<T, kVec>(crow, cols_lo, alpha, beta, &acc[i][0]);
    store_run<T, kVec>(crow + 16, cols_hi, alpha, beta, &acc[i][4]);
  }
}

// C = beta * C on the m x n part (the whole GEMM when alpha == 0 or k == 0; beta == 0 writes zeros
// without reading C). Grid-stride over rows (y) and columns (x).
template <typename T>
__global__ void scale_kernel(std::int64_t m, std::int64_t n, T beta, T* __restrict__ C, std::int64_t ldc) {
  for (std::int64_t row = blockIdx.y; row < m; row += gridDim.y) {
    for (std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; col < n;
         col += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
      T* c = C + row * ldc + col;
      *c = beta == T(0) ? T(0) : beta * *c;
    }
  }
}

}  // namespace tessera::linalg::kernel
