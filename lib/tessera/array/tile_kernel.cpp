#include "tessera/array/tile_kernel.hpp"

// One clone per instruction set, chosen by the dynamic loader (ifunc). AVX2 does not bring FMA
// with it (FMA would change the rounding of v*v+q), so the clones agree bit for bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TESSERA_NO_CLONES)
#define TESSERA_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TESSERA_CLONES
#endif

namespace tessera::array {

namespace {
template <typename T>
TESSERA_ALWAYS_INLINE DomainError kernel(const Pipeline& p, T* t, Index m, bool strict, ChunkAccumulator* acc) {
  const DomainError e = p.apply(t, m, strict);
  if (!e.found() && acc) acc->add(t, m);
  return e;
}
}  // namespace

TESSERA_CLONES
DomainError transform_and_accumulate(const Pipeline& p, double* t, Index m, bool strict, ChunkAccumulator* acc) {
  return kernel(p, t, m, strict, acc);
}

TESSERA_CLONES
DomainError transform_and_accumulate(const Pipeline& p, float* t, Index m, bool strict, ChunkAccumulator* acc) {
  return kernel(p, t, m, strict, acc);
}

TESSERA_CLONES
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, double* t, Index m,
                                          bool strict, ChunkAccumulator* acc) {
  gen.fill(first, m, t);
  return kernel(p, t, m, strict, acc);
}

TESSERA_CLONES
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, float* t, Index m,
                                          bool strict, ChunkAccumulator* acc) {
  gen.fill(first, m, t);
  return kernel(p, t, m, strict, acc);
}

const char* tile_kernel_isa() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TESSERA_NO_CLONES)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
#else
  return "baseline";
#endif
}

}  // namespace tessera::array
