// tessera/linalg/freivalds.hpp: checking a distributed product C = alpha * A * B + beta * C0 in
// O(mn + mk + kn) work with Freivalds' test, and the distributed matrix-vector product behind it.
//
// Freivalds: for a probe vector x (length n), compare C x with alpha * A (B x) + beta * C0 x. The
// probe's entries are +-[0.5, 1) (never small, so an error in any column of C shows), drawn from a
// seed with linalg::counter_hash, so every rank knows all of x without communication.
//
// Residual (dimensionless):
//     || C x - alpha A (B x) - beta C0 x ||_2  /  ( |alpha| || |A| (|B| |x|) ||_2 + |beta| || |C0| |x| ||_2 )
// The denominator is the scale of the rounding error: any summation order of a floating-point GEMM
// gives |fl(AB) - AB| <= gamma_k |A| |B| with gamma_k ~ k u (u = eps / 2). The mat-vecs are summed in
// long double, so the check's own error is far below that. Tolerance: 2 (k + 2) eps(T), four
// times the worst-case bound; a wrong block, panel or element gives a residual of order one.
#pragma once
#include <cstdint>
#include <vector>

#include "tessera/array/dist_array.hpp"

namespace tessera::linalg {

// y = M x (and, when both given, ya = |M| xa) for a 2D block-distributed M (rows x cols). x and xa
// hold all `cols` entries on every rank; every rank gets all `rows` entries of y (and ya): partial
// sums are reduced across the process row, then gathered along the process column. Collective
// over M's grid.
template <typename T>
void distributed_matvec(const array::DistArray<T>& M, const std::vector<long double>& x, std::vector<long double>& y,
                        const std::vector<long double>* xa = nullptr, std::vector<long double>* ya = nullptr);

struct ProductCheck {
  double residual = 0;   // see the top of this file
  double tolerance = 0;  // 2 (k + 2) eps(T)
  bool passed = false;
};

template <typename T>
class FreivaldsCheck {
 public:
  // Probe of length n (the columns of C) from `seed`.
  FreivaldsCheck(Index n, std::uint64_t seed);
  const std::vector<long double>& probe() const { return x_; }
  // Before the multiply, when beta != 0: remembers C0 x and |C0| |x|. Collective.
  void record_initial(const array::DistArray<T>& C0);
  // After the multiply: the residual of C against alpha A B + beta C0. Collective; the same result
  // on every rank.
  ProductCheck check(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                     const array::DistArray<T>& C) const;
  static double tolerance(Index k);

 private:
  std::vector<long double> x_, absx_, c0x_, c0abs_;
};

extern template class FreivaldsCheck<float>;
extern template class FreivaldsCheck<double>;

}  // namespace tessera::linalg
