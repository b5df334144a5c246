// apps/matmul/inputs.hpp: where A, B and C0 (C before the product, read when beta != 0) come from:
// generated (--init random:SEED | structured) or read from HDF5 (--a FILE.h5:/A --b FILE.h5:/B).
#pragma once
#include <cstdint>
#include <string>

#include "tessera/array/dist_array.hpp"
#include "tessera/mpi/comm.hpp"

namespace matmul_app {

using tessera::Index;

enum class InitKind { random, structured };

struct InitSpec {
  InitKind kind = InitKind::random;
  std::uint64_t seed = 1;
  std::string text = "random:1";
};
// "random:SEED" (SEED a whole number), "random" (seed 1) or "structured"; UsageError otherwise.
InitSpec parse_init(const std::string& text);

// Matrix ids of the counter-based generator.
enum class Which : int { A = 0, B = 1, C0 = 2 };

// --init structured: A(i, l) = a_i w_l, B(l, j) = w_l b_j with a_i = i % 8 + 1, b_j = j % 8 + 1 and
// a weight along k, w_l = l % 31 + 1; C0(i, j) = (i + 2 j) % 5 - 2. Then (A B)(i, j) = a_i b_j S_k
// with S_k = sum_{l<k} w_l^2 exactly (integers; exact in float while 61504 k < 2^24), the closed form
// the structured check compares with. The weight varies along k, so an A panel multiplied with the
// wrong B panel, or a panel skipped or used twice, changes S (unless the panels' offsets agree
// modulo 31).
double structured_entry(Which which, Index i, Index j);
// w_l, and S_k = sum_{l<k} w_l^2.
double structured_weight(Index l);
long double structured_weight_sum(Index k);
// Largest |A(i,l) B(l,j)| of the structured input (for the exactness bound).
constexpr double structured_max_term = 8.0 * 31.0 * 8.0 * 31.0;

// Fills a block of A, B or C0 from the spec (every rank its own block; the same values at any
// decomposition).
template <typename T>
void generate(tessera::array::DistArray<T>& a, const InitSpec& spec, Which which);

// Shapes and element type of the --a / --b datasets.
struct FileShapes {
  Index m = 0, k = 0, n = 0;
  std::string dtype;  // "float32" | "float64"
};
// Collective. Opens both files, checks that A and B are 2D float32/float64 datasets of one type
// whose inner dimensions agree; UsageError naming the problem otherwise.
FileShapes probe_files(const tessera::mpi::Comm& comm, const std::string& a_spec, const std::string& b_spec);
// Collective read of "FILE.h5:/path" into `a` (shape and type checked).
template <typename T>
void read_matrix(const tessera::mpi::Comm& comm, const std::string& spec, tessera::array::DistArray<T>& a);

}  // namespace matmul_app
