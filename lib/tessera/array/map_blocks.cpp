#include "tessera/array/map_blocks.hpp"

namespace tessera::array {

std::vector<ChunkRef> chunks_of_coords(const BlockLayout& L, const std::vector<int>& coords) {
  Extents lo{0, 0, 0}, hi{1, 1, 1};
  for (int d = 0; d < L.ndims(); ++d) {
    lo[d] = L.first_chunk(d, coords[static_cast<size_t>(d)]);
    hi[d] = L.first_chunk(d, coords[static_cast<size_t>(d)] + 1);
  }
  std::vector<ChunkRef> out;
  Extents ci{0, 0, 0};
  for (ci[0] = lo[0]; ci[0] < hi[0]; ++ci[0])
    for (ci[1] = lo[1]; ci[1] < hi[1]; ++ci[1])
      for (ci[2] = lo[2]; ci[2] < hi[2]; ++ci[2]) {
        ChunkRef r;
        r.box = L.chunk_box(ci);
        r.index = ci;
        r.id = chunk_id(L, ci);
        r.local = static_cast<Index>(out.size());
        out.push_back(r);
      }
  return out;
}

std::vector<ChunkRef> local_chunks(const BlockLayout& L) {
  if (L.local_box().empty()) return {};
  return chunks_of_coords(L, L.grid().coords());
}

}  // namespace tessera::array
