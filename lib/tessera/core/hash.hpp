// tessera/core/hash.hpp: the SplitMix64 output function, a bijective 64-bit mix with good
// avalanche. Counter-based random values (array generators, random matrices) and layout-free
// checksums are built from it, so a value depends only on its global index, never on the ranks.
#pragma once
#include <cstdint>

namespace tessera {

// SplitMix64's golden-ratio increment.
constexpr std::uint64_t kSplitMixGolden = 0x9E3779B97F4A7C15ull;

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace tessera
