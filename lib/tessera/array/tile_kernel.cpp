#include "tessera/array/tile_kernel.hpp"

#include <cstring>

// One clone per instruction set, chosen by the dynamic loader (ifunc). AVX2 does not bring FMA
// with it (FMA would change the rounding of v*v+q), so the clones agree bit for bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TESSERA_NO_CLONES)
#define TESSERA_CLONES __attribute__((target_clones("avx2", "default")))
#define TESSERA_HAVE_CLONES 1
#else
#define TESSERA_CLONES
#endif

namespace tessera::array {

namespace {

// Separate passes over the tile (used for strict math, which checks every operation's input).
template <typename T>
TESSERA_ALWAYS_INLINE DomainError passes(const Pipeline& p, T* t, Index m, bool strict, ChunkAccumulator* acc) {
  const DomainError e = p.apply(t, m, strict);
  if (!e.found() && acc) acc->add(t, m);
  return e;
}

#if defined(__GNUC__)
// The 32-byte vector helpers below are always inlined into the clones; the ABI note about passing
// them by value in the baseline clone does not concern any real call.
#pragma GCC diagnostic ignored "-Wpsabi"
// ---- register-level fusion: 8 elements (one accumulator lane each) at a time ----
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

// A group of 8 elements of type T in vector registers.
template <typename T>
struct Group;
template <>
struct Group<double> {
  static constexpr int nv = 2, width = 4;
  using V = v4d;
  V v[2];
  TESSERA_ALWAYS_INLINE static V broadcast(double a) { return V{a, a, a, a}; }
  TESSERA_ALWAYS_INLINE static V abs(V x) {
    const long long m = 0x7fffffffffffffffLL;
    const v4l mask = {m, m, m, m};
    return (V)((v4l)x & mask);
  }
  // the 8 values as doubles, lanes 0-3 and 4-7
  TESSERA_ALWAYS_INLINE void widen(v4d& a, v4d& b) const { a = v[0], b = v[1]; }
};
template <>
struct Group<float> {
  static constexpr int nv = 1, width = 8;
  using V = v8f;
  V v[1];
  TESSERA_ALWAYS_INLINE static V broadcast(float a) { return V{a, a, a, a, a, a, a, a}; }
  TESSERA_ALWAYS_INLINE static V abs(V x) {
    const int m = 0x7fffffff;
    const v8i mask = {m, m, m, m, m, m, m, m};
    return (V)((v8i)x & mask);
  }
  TESSERA_ALWAYS_INLINE void widen(v4d& a, v4d& b) const {
    a = __builtin_convertvector(__builtin_shufflevector(v[0], v[0], 0, 1, 2, 3), v4d);
    b = __builtin_convertvector(__builtin_shufflevector(v[0], v[0], 4, 5, 6, 7), v4d);
  }
};

// True for operations done with vector instructions (no library call): the fused loop keeps its
// accumulators in registers only when nothing in it is a call.
bool native(const Op& op) {
  return op.kind == OpKind::square || op.kind == OpKind::scale || op.kind == OpKind::add || op.kind == OpKind::abs ||
         op.kind == OpKind::clip;
}

enum class Input { constant, arange, other, memory };

// Whole groups of 8 from element i on (the chunk position is on a lane boundary), four groups at
// a time so that each operation's dispatch is paid once per 32 elements; returns the number of
// elements done.
template <typename T, Input in>
TESSERA_ALWAYS_INLINE Index groups_loop(const Generator* gen, Index first, const Pipeline& p, T* t, Index i, Index m,
                                        bool store, ChunkAccumulator* acc) {
  using G = Group<T>;
  using V = typename G::V;
  constexpr int L = ChunkAccumulator::lanes, B = 4, NV = B * G::nv;  // vectors per block
  static_assert(G::nv * G::width == L, "a group is one element per lane");
  const Index blocks = (m - i) / (L * B);
  if (blocks <= 0) return 0;
  const Op* ops = p.ops().data();
  const size_t nops = p.size();
  const Needs nd = acc ? acc->needs() : Needs{false, false, false};
  const bool sums = nd.sum || nd.sumsq, sq = nd.sumsq, ext = nd.extrema;
  v4d s0{}, s1{}, q0{}, q1{};
  v4d lo0{}, lo1{}, hi0{}, hi1{};
  v4l bad{};
  if (acc) {
    auto st = acc->state();
    std::memcpy(&s0, st.s, 32), std::memcpy(&s1, st.s + 4, 32);
    std::memcpy(&q0, st.q, 32), std::memcpy(&q1, st.q + 4, 32);
    lo0 = lo1 = v4d{st.lo, st.lo, st.lo, st.lo};
    hi0 = hi1 = v4d{st.hi, st.hi, st.hi, st.hi};
  }
  const V c = in == Input::constant ? G::broadcast(gen->value<T>(0)) : V{};  // constant input
  T buf[L * B];
  for (Index bl = 0; bl < blocks; ++bl, i += L * B) {
    V x[NV];
    if (in == Input::constant) {
      for (int j = 0; j < NV; ++j) x[j] = c;
    } else if (in == Input::arange) {
      for (int k = 0; k < L * B; ++k) buf[k] = static_cast<T>(first + i + k);
      std::memcpy(x, buf, sizeof x);
    } else if (in == Input::other) {
      gen->fill(first + i, L * B, buf);
      std::memcpy(x, buf, sizeof x);
    } else {
      std::memcpy(x, t + i, sizeof x);
    }
    for (size_t k = 0; k < nops; ++k) {
      const Op& op = ops[k];
      const V a = G::broadcast(static_cast<T>(op.a)), b = G::broadcast(static_cast<T>(op.b));
      switch (op.kind) {
        case OpKind::square:
          for (int j = 0; j < NV; ++j) x[j] = x[j] * x[j];
          break;
        case OpKind::scale:
          for (int j = 0; j < NV; ++j) x[j] = x[j] * a;
          break;
        case OpKind::add:
          for (int j = 0; j < NV; ++j) x[j] = x[j] + a;
          break;
        case OpKind::abs:
          for (int j = 0; j < NV; ++j) x[j] = G::abs(x[j]);
          break;
        case OpKind::clip:
          for (int j = 0; j < NV; ++j) x[j] = x[j] < a ? a : (x[j] > b ? b : x[j]);
          break;
        default: break;  // not native: never reached (see native())
      }
    }
    if (store) std::memcpy(t + i, x, sizeof x);
    for (int g = 0; g < B; ++g) {
      G grp;
      for (int j = 0; j < G::nv; ++j) grp.v[j] = x[g * G::nv + j];
      v4d u, w;
      grp.widen(u, w);
      if (sums) {
        s0 += u, s1 += w;
        if (sq) q0 += u * u, q1 += w * w;
      }
      if (ext) {
        lo0 = u < lo0 ? u : lo0, lo1 = w < lo1 ? w : lo1;
        hi0 = u > hi0 ? u : hi0, hi1 = w > hi1 ? w : hi1;
        bad |= (v4l)(u != u) | (v4l)(w != w);
      }
    }
  }
  if (acc) {
    auto st = acc->state();
    std::memcpy(st.s, &s0, 32), std::memcpy(st.s + 4, &s1, 32);
    std::memcpy(st.q, &q0, 32), std::memcpy(st.q + 4, &q1, 32);
    for (int k = 0; k < 4; ++k) {
      st.lo = lo0[k] < st.lo ? lo0[k] : st.lo;
      st.lo = lo1[k] < st.lo ? lo1[k] : st.lo;
      st.hi = hi0[k] > st.hi ? hi0[k] : st.hi;
      st.hi = hi1[k] > st.hi ? hi1[k] : st.hi;
      st.nan = st.nan || bad[k] != 0;
    }
    st.pos += blocks * L * B;
  }
  return blocks * L * B;
}

// Register-level fusion for pipelines of native operations; false when it does not apply.
template <typename T>
TESSERA_ALWAYS_INLINE bool fused(const Generator* gen, Index first, const Pipeline& p, T* t, Index m, bool store,
                                 ChunkAccumulator* acc) {
  for (const Op& op : p.ops())
    if (!native(op)) return false;
  constexpr int L = ChunkAccumulator::lanes;
  auto one = [&](Index i) {  // a single element, the scalar way (prefix and suffix)
    T x = gen ? gen->value<T>(first + i) : t[i];
    x = p.apply_one(x);
    if (store) t[i] = x;
    if (acc) acc->add_one(x);
  };
  Index i = 0;
  if (acc)
    for (; i < m && acc->position() % L != 0; ++i) one(i);  // reach a lane boundary of the chunk
  if (!gen) i += groups_loop<T, Input::memory>(gen, first, p, t, i, m, store, acc);
  else if (gen->is_constant()) i += groups_loop<T, Input::constant>(gen, first, p, t, i, m, store, acc);
  else if (gen->kind() == Generator::Kind::arange) i += groups_loop<T, Input::arange>(gen, first, p, t, i, m, store, acc);
  else i += groups_loop<T, Input::other>(gen, first, p, t, i, m, store, acc);
  for (; i < m; ++i) one(i);
  return true;
}
#endif

template <typename T>
TESSERA_ALWAYS_INLINE DomainError tile(const Generator* gen, Index first, const Pipeline& p, T* t, Index m, bool store,
                                       bool strict, ChunkAccumulator* acc) {
#if defined(__GNUC__)
  if (!strict && fused(gen, first, p, t, m, store, acc)) return {};
#endif
  if (gen) gen->fill(first, m, t);
  return passes(p, t, m, strict, acc);
}
}  // namespace

TESSERA_CLONES
DomainError fused_tile(const Generator* gen, Index first, const Pipeline& p, double* t, Index m, bool store,
                       bool strict, ChunkAccumulator* acc) {
  return tile(gen, first, p, t, m, store, strict, acc);
}

TESSERA_CLONES
DomainError fused_tile(const Generator* gen, Index first, const Pipeline& p, float* t, Index m, bool store,
                       bool strict, ChunkAccumulator* acc) {
  return tile(gen, first, p, t, m, store, strict, acc);
}

DomainError transform_and_accumulate(const Pipeline& p, double* t, Index m, bool strict, ChunkAccumulator* acc) {
  return fused_tile(nullptr, 0, p, t, m, true, strict, acc);
}
DomainError transform_and_accumulate(const Pipeline& p, float* t, Index m, bool strict, ChunkAccumulator* acc) {
  return fused_tile(nullptr, 0, p, t, m, true, strict, acc);
}
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, double* t, Index m,
                                          bool strict, ChunkAccumulator* acc) {
  return fused_tile(&gen, first, p, t, m, true, strict, acc);
}
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, float* t, Index m,
                                          bool strict, ChunkAccumulator* acc) {
  return fused_tile(&gen, first, p, t, m, true, strict, acc);
}

const char* tile_kernel_isa() {
#if defined(TESSERA_HAVE_CLONES)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
#else
  return "baseline";
#endif
}

}  // namespace tessera::array
