// tessera/array/overlap.hpp: splitting a block so that a halo exchange overlaps compute: the cells
// whose stencil needs no ghost value, the strips next to the faces that do, and slabs for threads.
#pragma once
#include <array>
#include <vector>

#include "tessera/array/dist_array.hpp"

namespace tessera::array {

// The owned block in local indices, [0, extent).
Box local_box(const DistArray<double>& a);

// A block split for overlapping a halo exchange with compute: `interior` holds the cells whose
// stencil reads no ghost that the exchange writes, `strips` (disjoint, covering the rest of the
// block) the cells next to a face that has a neighbour. lower[d]/upper[d]: whether the face of
// dimension d has a neighbour (a physical boundary's ghosts are constant and need no wait).
struct BlockSplit {
  Box interior;
  std::vector<Box> strips;
};
BlockSplit split_for_overlap(const Box& local, const std::array<bool, 3>& lower, const std::array<bool, 3>& upper,
                             int radius = 1);

// Cuts `b` along dimension 0 into `pieces` near-equal slabs (fewer when b is thinner); empty boxes
// are dropped.
std::vector<Box> slabs(const Box& b, int pieces);

}  // namespace tessera::array
