// tessera/heat/stencil.hpp: the explicit (FTCS) heat-equation update on a region of a block (the
// split of a block into interior and face strips is generic: tessera/array/overlap.hpp).
//
// The update of one cell, in 1, 2 or 3 dimensions (3-, 5-, 7-point stencil):
//   u_new = u + r * ( ((u[-e0] + u[+e0]) - (u + u)) + ((u[-e1] + u[+e1]) - (u + u)) + ... )
// evaluated in exactly this order for every cell, whatever region, rank count or thread count it
// is computed in, so results are bitwise reproducible (no reduction, no reassociation; the vector
// loop, its scalar remainder, the two-row variant and the AVX2/baseline clones of the kernels all
// run the same IEEE operations, none fused: build without -ffp-contract=fast on FMA targets).
// Each thread writes whole rows of u_new; 2D rows go in pairs so that each row loaded serves two.
#pragma once
#include <array>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/array/overlap.hpp"

namespace tessera::heat {

using array::DistArray;

// Updates u_new on `region`, a box of LOCAL indices inside [0, extent) of u's owned block, from u
// (ghost width >= 1; u's ghost layers must hold the neighbours' or the boundary's values wherever
// the region touches the block's faces). u and u_new must share layout and ghost width.
// OpenMP over the outer dimension(s), schedule(static); the contiguous inner loop vectorizes.
void ftcs_update(const DistArray<double>& u, DistArray<double>& u_new, double r, const Box& region);

}  // namespace tessera::heat
