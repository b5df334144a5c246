// examples/squares.cpp: map_blocks(square) over ones((1000, 1000), chunks=(100, 100)), then the sum,
// as the seed does with dask.array. The array is block-distributed over the ranks (each owns whole
// chunks); array::map_blocks visits this rank's chunks, OpenMP threads sharing them; array::reduce
// sums deterministically (the same bits at any rank or thread count).
// Verdict against the closed form: the sum of squares is N v^2 exactly (N elements, all v; v = 1 as
// in the seed, --value to make squaring differ from doing nothing), every element is v^2 (min and
// max), and every chunk was visited exactly once. --test-break changes one element: FAILED.
//   mpirun -np 2 tessera-example-squares --report squares.json
#include <atomic>
#include <cmath>
#include <vector>

#include "tessera/array/map_blocks.hpp"
#include "tessera/array/reduce.hpp"
#include "tessera/program/program.hpp"

namespace tp = tessera::program;
namespace array = tessera::array;
using tessera::Index;

struct Options {
  Index n = 1000, chunk = 100;  // ones((n, n), chunks=(chunk, chunk))
  double value = 1;             // every element before squaring
  bool test_break = false;      // hidden: corrupt one element
  array::Partial result;        // sum, min, max, count of the squares
  long long visited_once = 0, chunks = 0;
};

int main(int argc, char** argv) {
  tp::Program<Options> prog;
  prog.name = "example-squares";
  prog.description = "map_blocks(square) over a chunked array of ones, summed and verified.";
  prog.options = [](CLI::App& app, Options& o) {
    app.add_option("--n", o.n, "Rows and columns")->check(CLI::Range(1, 100000));
    app.add_option("--chunk", o.chunk, "Rows and columns of a chunk")->check(CLI::Range(1, 100000));
    app.add_option("--value", o.value, "Every element before squaring (the seed: 1)");
    app.add_flag("--test-break", o.test_break, "Test hook: corrupt one element")->group("");
  };
  prog.run = [](tp::Context& ctx, Options& o) {
    const auto layout = array::BlockLayout::make(ctx.world(), {o.n, o.n}, {o.chunk, o.chunk});
    array::DistArray<double> x(layout);
    x.fill(o.value);
    std::vector<std::atomic<int>> visits(array::local_chunks(layout).size());
    array::map_blocks(x, [&](array::ChunkView<double> c) {  // one chunk, on some OpenMP thread
      c.for_each_row([](double* row, Index len, const tessera::Extents&) {
        for (Index k = 0; k < len; ++k) row[k] *= row[k];
      });
      ++visits[static_cast<std::size_t>(c.ref().local)];
    });
    if (o.test_break && !x.empty()) x.local(0, 0) += 1;
    o.result = array::reduce(x);  // collective: every rank gets the same Partial
    long long once = 0;
    for (const auto& v : visits) once += v == 1;
    o.visited_once = ctx.world().sum(once);
    o.chunks = layout.total_chunks();
    ctx.parameter("n", o.n), ctx.parameter("chunk", o.chunk), ctx.parameter("value", o.value);
    ctx.metric("sum", o.result.sum);
    ctx.summary("sum of squares over {} ({} chunks): {}", layout.to_string(), o.chunks, o.result.sum);
  };
  prog.verify = [](tp::Context&, Options& o) {
    const double n2 = static_cast<double>(o.n) * static_cast<double>(o.n), sq = o.value * o.value;
    tp::Verdict v;  // exact for whole v (every partial sum is a whole number below 2^53); else rounding
    v.within("sum", std::fabs(o.result.sum - n2 * sq), 1e-12 * n2 * sq, fmt::format("|sum - N v^2|, N v^2 = {}", n2 * sq));
    v.equal("count", o.result.count, static_cast<long long>(n2), "elements summed");
    v.check("elements", o.result.min == sq && o.result.max == sq, fmt::format("min {} and max {} against v^2 = {}",
            o.result.min, o.result.max, sq));
    v.equal("chunks", o.visited_once, o.chunks, "chunks visited exactly once");
    return v;
  };
  return tp::main(argc, argv, prog);
}
