#include "tessera/mpi/count.hpp"

#include <algorithm>
#include <string>

#include "tessera/core/error.hpp"

namespace tessera::mpi {

namespace {
void check_limit(std::size_t limit) {
  if (limit < 1 || limit > max_count)
    throw Error("MPI count limit " + std::to_string(limit) + " is not in 1.." + std::to_string(max_count));
}
}  // namespace

int checked_count(std::size_t n, const char* what, std::size_t limit) {
  check_limit(limit);
  if (n > limit)
    throw Error(std::string(what) + ": " + std::to_string(n) + " elements exceed MPI's int count limit (" +
                std::to_string(limit) + ")");
  return static_cast<int>(n);
}

std::vector<CountChunk> count_chunks(std::size_t n, std::size_t limit) {
  check_limit(limit);
  std::vector<CountChunk> out;
  out.reserve(n / limit + 1);
  for (std::size_t off = 0; off < n; off += limit) out.push_back({off, static_cast<int>(std::min(limit, n - off))});
  return out;
}

}  // namespace tessera::mpi
