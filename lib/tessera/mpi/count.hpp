// tessera/mpi/count.hpp: element counts for MPI calls, whose counts and displacements are int.
//
//   const int n = mpi::checked_count(v.size(), "bcast of the task ids");  // refuses > INT_MAX
//   for (const auto& p : mpi::count_chunks(v.size())) MPI_Bcast(v.data() + p.offset, p.count, ...);
//
// Every count handed to MPI goes through one of these: a count above INT_MAX is either sent in
// pieces of at most max_count elements or refused with a tessera::Error that says so, never
// truncated by a cast. `limit` defaults to MPI's; tests pass small ones to exercise the pieces.
#pragma once
#include <climits>
#include <cstddef>
#include <vector>

namespace tessera::mpi {

inline constexpr std::size_t max_count = static_cast<std::size_t>(INT_MAX);

// n as an int count; tessera::Error "<what>: N elements exceed MPI's int count limit (L)" when n > limit
// (limit <= max_count).
int checked_count(std::size_t n, const char* what, std::size_t limit = max_count);

struct CountChunk {
  std::size_t offset = 0;  // first element of the piece
  int count = 0;           // elements in it, 1..limit
};
// Pieces of at most `limit` elements covering [0, n) in order; none when n == 0. limit in 1..max_count
// (else tessera::Error).
std::vector<CountChunk> count_chunks(std::size_t n, std::size_t limit = max_count);

}  // namespace tessera::mpi
