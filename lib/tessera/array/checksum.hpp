// tessera/array/checksum.hpp: bitwise checksums of distributed arrays that do not depend on the
// layout, so that an array written by one decomposition is checked on another (checkpoints,
// bitwise-equality tests across rank and thread counts).
#pragma once
#include <cstdint>
#include <vector>

#include "tessera/array/dist_array.hpp"

namespace tessera::array {

// An order-independent checksum of the owned values of `a` (their bit patterns, mixed with their
// global indices, summed modulo 2^64): equal for bitwise-equal arrays whatever their layout,
// different (with overwhelming probability) when any value or position differs. Collective.
std::uint64_t bitwise_checksum(const DistArray<double>& a);
// The same checksum per block: element b sums the cells of `blocks[b]` (global boxes), over every
// rank. With blocks that tile the array, their sum (mod 2^64) is bitwise_checksum(a). Any layout
// of `a` gives the same values, so a checkpoint written by one layout is checked block by block on
// another. Collective.
std::vector<std::uint64_t> bitwise_block_checksums(const DistArray<double>& a, const std::vector<Box>& blocks);

}  // namespace tessera::array
