// apps/matmul/verify.hpp: the closed-form check of --init structured (element by element).
//
// With A(i, j) = a_i, B(i, j) = b_j (inputs.hpp), C(i, j) must be alpha k a_i b_j + beta C0(i, j).
// The products and their partial sums are small integers, exact in T while 61504 k < 2^digits(T) (structured_max_term)
// (k < 262144 in float32); then only the scaling by alpha and the accumulation of the panels' scaled
// sums into C round, at most once per panel plus twice, so the tolerance is
//     2 (panels + 2) eps(T) (|alpha| k a_i b_j + |beta C0(i, j)|)
// (zero error in practice for alpha, beta such as 1, 2, 0.5). A missing or doubled panel, or one
// column of k too many or too few, is off by at least 1 / k relatively, far above that. Beyond the
// exact range the generic bound 2 (k + 2) eps(T) (...) is used.
#pragma once
#include <cstdint>

#include "tessera/array/dist_array.hpp"
#include "tessera/mpi/comm.hpp"

namespace matmul_app {

struct StructuredResult {
  double max_rel_error = 0;  // max over C of |C - expected| / scale (see above)
  double tolerance = 0;      // relative to the same scale
  std::int64_t wrong = 0;    // entries beyond the tolerance, over all ranks
  bool passed = false;
};

// Collective (max/sum over `comm`). c0_structured: C0 was generated structured (beta != 0).
template <typename T>
StructuredResult check_structured(const tessera::mpi::Comm& comm, const tessera::array::DistArray<T>& C, T alpha,
                                  T beta, tessera::Index k, std::size_t panels);

}  // namespace matmul_app
