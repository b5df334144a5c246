// tessera/array/tile_kernel.hpp: the inner loop of evaluate(), one tile at a time.
//
// (Generates and) applies a pipeline to t[0, m) in place and feeds the result to a chunk accumulator (nullable).
// Compiled for several instruction sets (AVX2 and baseline x86-64, picked at run time on x86-64),
// never with fused multiply-add, so every version gives exactly the same bits.
#pragma once
#include "tessera/array/generator.hpp"
#include "tessera/array/pipeline.hpp"
#include "tessera/array/reduce.hpp"

namespace tessera::array {

DomainError transform_and_accumulate(const Pipeline& p, double* t, Index m, bool strict, ChunkAccumulator* acc);
DomainError transform_and_accumulate(const Pipeline& p, float* t, Index m, bool strict, ChunkAccumulator* acc);
// The same, with t first filled by gen.fill(first, m, t).
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, double* t, Index m,
                                          bool strict, ChunkAccumulator* acc);
DomainError generate_transform_accumulate(const Generator& gen, Index first, const Pipeline& p, float* t, Index m,
                                          bool strict, ChunkAccumulator* acc);

// The instruction set the kernel runs with on this machine ("avx2" or "baseline").
const char* tile_kernel_isa();

}  // namespace tessera::array
