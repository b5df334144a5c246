// tessera/core/inline.hpp: TESSERA_ALWAYS_INLINE, for small functions of the hot loops that must be
// inlined into instruction-set-specific clones (see tessera/array/tile_kernel.cpp).
#pragma once

#if defined(__GNUC__)
#define TESSERA_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TESSERA_ALWAYS_INLINE inline
#endif
