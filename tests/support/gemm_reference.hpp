// tests/support/gemm_reference.hpp: random row-major GEMM problems with padded leading dimensions,
// and a check of a computed C against a naive reference (long double) with a rounding-error bound.
// Header-only, shared by tests/unit/test_gemm.cpp and tests/gpu/test_gpu_gemm.cpp.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tessera::testing {

// C = alpha * A * B + beta * C with A m x k (lda), B k x n (ldb), C m x n (ldc), row-major.
// Entries outside the m x n part of C (the padding) hold `sentinel` and must come back unchanged.
template <typename T>
struct GemmProblem {
  std::int64_t m = 0, n = 0, k = 0, lda = 1, ldb = 1, ldc = 1;
  T alpha = 1, beta = 0;
  std::vector<T> A, B, C, C0;  // C0: C before the product
  static constexpr double sentinel = 4242.25;

  GemmProblem(std::int64_t m_, std::int64_t n_, std::int64_t k_, std::int64_t pad, T alpha_, T beta_,
              unsigned seed = 1)
      : m(m_), n(n_), k(k_), lda(std::max<std::int64_t>(1, k_ + pad)), ldb(std::max<std::int64_t>(1, n_ + pad)),
        ldc(std::max<std::int64_t>(1, n_ + pad)), alpha(alpha_), beta(beta_) {
    std::mt19937_64 rng(seed * 7919u + static_cast<unsigned>(m * 131 + n * 17 + k));
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    A.resize(static_cast<std::size_t>(m * lda));
    B.resize(static_cast<std::size_t>(k * ldb));
    C.assign(static_cast<std::size_t>(m * ldc), static_cast<T>(sentinel));
    for (auto& x : A) x = static_cast<T>(u(rng));
    for (auto& x : B) x = static_cast<T>(u(rng));
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) C[static_cast<std::size_t>(i * ldc + j)] = static_cast<T>(u(rng));
    C0 = C;
  }

  // Reference value of C(i, j) and a bound on the rounding error of any summation order:
  // |err| <= 2 (k + 2) u (|alpha| sum_p |a_ip b_pj| + |beta c_ij|), u the unit roundoff (doubled
  // for slack: cuBLAS and the kernels may use split or FMA-based orders).
  std::pair<long double, long double> expected(std::int64_t i, std::int64_t j) const {
    long double dot = 0, mag = 0;
    for (std::int64_t p = 0; p < k && alpha != T(0); ++p) {  // alpha == 0: A and B are not read
      const long double t = static_cast<long double>(A[static_cast<std::size_t>(i * lda + p)]) *
                            static_cast<long double>(B[static_cast<std::size_t>(p * ldb + j)]);
      dot += t;
      mag += std::fabs(t);
    }
    const long double c0 = C0[static_cast<std::size_t>(i * ldc + j)];
    const long double want = static_cast<long double>(alpha) * dot + (beta == T(0) ? 0.0L : beta * c0);
    const long double u = std::numeric_limits<T>::epsilon();
    const long double tol =
        2.0L * static_cast<long double>(k + 2) * u *
            (std::fabs(static_cast<long double>(alpha)) * mag + (beta == T(0) ? 0.0L : std::fabs(beta * c0))) +
        std::numeric_limits<T>::min();
    return {want, tol};
  }
};

// Checks `got` (the whole C array after the product). `every`: check every entry of C against the
// reference when 1, else about `samples` entries spread over C (large problems). The padding is
// always checked in full. Returns "" when fine, else a description of the first few failures.
template <typename T>
std::string check_gemm(const GemmProblem<T>& p, const std::vector<T>& got, bool every = true,
                       std::int64_t samples = 4000) {
  std::ostringstream out;
  int bad = 0;
  auto report = [&](const std::string& s) {
    if (bad++ < 5) out << s << "\n";
  };
  if (got.size() != p.C.size()) return "C has the wrong size";
  for (std::int64_t i = 0; i < p.m; ++i)
    for (std::int64_t j = p.n; j < p.ldc; ++j)
      if (got[static_cast<std::size_t>(i * p.ldc + j)] != static_cast<T>(p.sentinel))
        report("padding C(" + std::to_string(i) + ", " + std::to_string(j) + ") was overwritten");
  auto check_one = [&](std::int64_t i, std::int64_t j) {
    const auto [want, tol] = p.expected(i, j);
    const long double v = got[static_cast<std::size_t>(i * p.ldc + j)];
    if (!(std::fabs(v - want) <= tol)) {
      std::ostringstream s;
      s.precision(10);
      s << "C(" << i << ", " << j << ") = " << static_cast<double>(v) << ", expected " << static_cast<double>(want)
        << " (tolerance " << static_cast<double>(tol) << ")";
      report(s.str());
    }
  };
  const std::int64_t total = p.m * p.n;
  if (every || total <= samples) {
    for (std::int64_t i = 0; i < p.m; ++i)
      for (std::int64_t j = 0; j < p.n; ++j) check_one(i, j);
  } else {
    // corners and edges of the matrix (tile borders are where kernels go wrong), then a stride
    for (std::int64_t i : {std::int64_t{0}, p.m / 2, p.m - 1})
      for (std::int64_t j : {std::int64_t{0}, p.n / 2, p.n - 1}) check_one(i, j);
    const std::int64_t stride = std::max<std::int64_t>(1, total / samples);
    for (std::int64_t e = 7 % total; e < total; e += stride + 1) check_one(e / p.n, e % p.n);
  }
  if (bad > 5) out << "... " << bad << " wrong entries in all\n";
  return out.str();
}

}  // namespace tessera::testing
