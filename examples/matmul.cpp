// examples/matmul.cpp: a matrix product. The seed multiplies two random matrices on one device;
// here C = A B is computed by SUMMA (linalg::summa) over a 2D grid of all ranks: each rank holds one
// block of A, B and C, panels of A and B are broadcast along process rows and columns while the
// local GEMMs (BLAS) run. Entries are counter-based random numbers in [-1, 1) (linalg::fill_random):
// the same matrices at any number of ranks.
// Verdict: Freivalds' test (linalg::FreivaldsCheck), which needs no second product: for a random
// probe x, C x against A (B x), summed in long double; the relative residual must stay below
// 2 (k + 2) eps, a bound on the rounding of any correct product, while one wrong element gives a
// residual of order one. --test-break changes one element of C: the verdict must be FAILED.
//   mpirun -np 2 tessera-example-matmul --m 1024 --n 1024 --k 1024 --report matmul.json
#include "tessera/linalg/freivalds.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/linalg/summa.hpp"
#include "tessera/mpi/process_grid.hpp"
#include "tessera/program/program.hpp"

namespace tp = tessera::program;
namespace linalg = tessera::linalg;
using tessera::Index;

struct Options {
  Index m = 512, n = 512, k = 512;  // C (m x n) = A (m x k) B (k x n)
  std::uint64_t seed = 1;           // of the random entries
  bool test_break = false;          // hidden: corrupt one element of C
  linalg::ProductCheck freivalds;   // residual and tolerance
};

int main(int argc, char** argv) {
  tp::Program<Options> prog;
  prog.name = "example-matmul";
  prog.description = "A distributed matrix product C = A B (SUMMA), verified by Freivalds' test.";
  prog.options = [](CLI::App& app, Options& o) {
    app.add_option("--m", o.m, "Rows of A and C")->check(CLI::Range(1, 100000));
    app.add_option("--n", o.n, "Columns of B and C")->check(CLI::Range(1, 100000));
    app.add_option("--k", o.k, "Columns of A, rows of B")->check(CLI::Range(1, 100000));
    app.add_option("--seed", o.seed, "Seed of the random entries");
    app.add_flag("--test-break", o.test_break, "Test hook: corrupt one element of C")->group("");
  };
  prog.run = [](tp::Context& ctx, Options& o) {
    const tessera::mpi::ProcessGrid grid(ctx.world(), {0, 0});  // as square as the ranks allow
    const auto L = linalg::make_summa_layouts(grid, o.m, o.n, o.k);
    tessera::array::DistArray<double> A(L.a), B(L.b), C(L.c);
    linalg::fill_random(A, o.seed, 0);  // matrix ids 0 and 1: A and B differ
    linalg::fill_random(B, o.seed, 1);
    const auto stats = linalg::summa(1.0, A, B, 0.0, C);
    if (o.test_break && C.box().contains({o.m / 2, o.n / 2, 0})) C.global({o.m / 2, o.n / 2, 0}) += 1;
    o.freivalds = linalg::FreivaldsCheck<double>(o.n, o.seed + 1).check(1.0, A, B, 0.0, C);  // collective
    const double t = ctx.world().max(stats.total_s), gflops = 2.0 * o.m * o.n * o.k / t * 1e-9;
    ctx.parameter("m", o.m), ctx.parameter("n", o.n), ctx.parameter("k", o.k), ctx.parameter("seed", o.seed);
    ctx.metric("time_s", t), ctx.metric("gflops", gflops), ctx.metric("panels", stats.panels);
    ctx.summary("C = A B, ({}x{}) ({}x{}), float64, {} ranks on a {} grid: {:.4f} s, {:.2f} GFLOP/s, {} panels",
                o.m, o.k, o.k, o.n, ctx.world().size(), grid.to_string(), t, gflops, stats.panels);
  };
  prog.verify = [](tp::Context& ctx, Options& o) {
    ctx.metric("freivalds_residual", o.freivalds.residual);
    tp::Verdict v;
    v.within("freivalds", o.freivalds.residual, o.freivalds.tolerance, "relative residual of C x - A (B x)");
    return v;
  };
  return tp::main(argc, argv, prog);
}
