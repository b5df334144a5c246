// tessera/array/tile_kernel.hpp: the inner loop of evaluate(), one tile at a time.
//
// fused_tile() produces a tile (from a generator, or the values already in t), applies a pipeline
// and feeds a chunk accumulator, eight elements at a time in vector registers: one per accumulator
// lane, every operation applied while the values stay in registers, nothing stored unless asked.
// The result is bitwise what the plain path gives (Pipeline::apply, then ChunkAccumulator::add).
// Compiled for several instruction sets (AVX2 and baseline x86-64, picked at run time on x86-64),
// never with fused multiply-add, so every version gives exactly the same bits.
#pragma once
#include "tessera/array/generator.hpp"
#include "tessera/array/pipeline.hpp"
#include "tessera/array/reduce.hpp"

namespace tessera::array {

// t[0, m): input from gen (elements first .. first+m-1) when gen is given, else t's own values.
// The results are written back to t only when `store` (a lazy evaluation needs no store); acc may
// be null. With `strict`, the plain path runs so that every operation's input is checked.
DomainError fused_tile(const Generator* gen, Index first, const Pipeline& p, double* t, Index m, bool store,
                       bool strict, ChunkAccumulator* acc);
DomainError fused_tile(const Generator* gen, Index first, const Pipeline& p, float* t, Index m, bool store,
                       bool strict, ChunkAccumulator* acc);
// Shorthands: in place (store), from t / from a generator.

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
