// apps/mapblocks/verify.hpp: checking the reductions of tessera-mapblocks.
//
// Three methods, the first that applies wins:
//   closed-form   ones/zeros through any pipeline (every element is pipeline(c)); arange through a
//                 polynomial pipeline (square, scale, add, pow with a whole exponent): sums by
//                 Faulhaber's power sums in long double; min/max at the ends of the index range
//                 when interval analysis proves the pipeline monotone there.
//   independent   everything else (arange through exp/log/..., random:SEED, FILE.h5:/path): a second
//                 pass over the input on a different decomposition (slabs of whole rows of dimension
//                 0 instead of chunk blocks) and a different code path (one element at a time, in
//                 long double with Kahan sums and a running forward error bound per element);
//                 random:SEED is re-generated, files are re-read. min and max must match exactly
//                 (the element values are recomputed in the array's type), sum/mean/l2 within the
//                 propagated rounding bound plus the summation error of the fast path.
// Nothing here is timed.
#pragma once
#include <string>
#include <vector>

#include "tessera/array/generator.hpp"
#include "tessera/array/pipeline.hpp"
#include "tessera/array/reduce.hpp"
#include "tessera/io/hdf5.hpp"

namespace mapblocks {

using tessera::Index;

// Where the input values come from.
struct Input {
  bool from_file = false;
  tessera::array::Generator gen;     // when !from_file
  const tessera::io::File* file = nullptr;  // when from_file (open in parallel over the job)
  std::string dataset;
};

struct Check {
  std::string name;      // "sum"
  double got = 0, expected = 0, tolerance = 0;
  bool ok = false;
};

struct Verdict {
  bool ok = true;
  std::string method;    // "closed form", "independent second pass", ...
  std::vector<Check> checks;
};

// Collective over `comm`. `got` is the combined result of the fast path; `max_chunk` is the number
// of elements of the largest chunk (it bounds the fast path's summation error).
template <typename T>
Verdict verify(const tessera::mpi::Comm& comm, const std::vector<Index>& shape, Index max_chunk, Index nchunks,
               const Input& input, const tessera::array::Pipeline& pipeline,
               const std::vector<tessera::array::Reduction>& reductions, const tessera::array::Partial& got);

}  // namespace mapblocks
