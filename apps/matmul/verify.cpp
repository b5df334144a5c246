#include "verify.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "inputs.hpp"

namespace matmul_app {

template <typename T>
StructuredResult check_structured(const tessera::mpi::Comm& comm, const tessera::array::DistArray<T>& C, T alpha,
                                  T beta, tessera::Index k, std::size_t panels) {
  const double eps = std::numeric_limits<T>::epsilon();
  const bool exact = structured_max_term * static_cast<double>(k) < std::ldexp(1.0, std::numeric_limits<T>::digits);
  const long double S = structured_weight_sum(k);
  StructuredResult r;
  r.tolerance = exact ? 2.0 * (static_cast<double>(panels) + 2.0) * eps : 2.0 * (static_cast<double>(k) + 2.0) * eps;
  double worst = 0;
  std::int64_t wrong = 0;
  const Index i0 = C.box().lo[0], j0 = C.box().lo[1];
  for (Index r0 = 0; r0 < C.extent(0) && !C.empty(); ++r0)
    for (Index c = 0; c < C.extent(1); ++c) {
      const Index i = i0 + r0, j = j0 + c;
      const long double ab = S * static_cast<long double>(i % 8 + 1) * static_cast<long double>(j % 8 + 1);
      const long double c0 = beta == T(0) ? 0.0L : structured_entry(Which::C0, i, j);
      const long double want = static_cast<long double>(alpha) * ab + static_cast<long double>(beta) * c0;
      const long double scale = std::fabs(static_cast<long double>(alpha)) * ab +
                                std::fabs(static_cast<long double>(beta) * c0);
      const long double err = std::fabs(static_cast<long double>(C.local(r0, c)) - want);
      // scale 0 (alpha = 0 and beta C0 = 0): any difference at all is wrong
      const double rel = scale > 0 ? static_cast<double>(err / scale)
                                   : (err == 0 ? 0.0 : std::numeric_limits<double>::infinity());
      if (!(rel <= r.tolerance)) ++wrong;
      if (!(rel <= worst)) worst = std::isnan(rel) ? std::numeric_limits<double>::infinity() : rel;
    }
  r.max_rel_error = comm.max(worst);
  r.wrong = comm.sum(wrong);
  r.passed = r.wrong == 0;
  return r;
}

template StructuredResult check_structured<float>(const tessera::mpi::Comm&, const tessera::array::DistArray<float>&,
                                                  float, float, tessera::Index, std::size_t);
template StructuredResult check_structured<double>(const tessera::mpi::Comm&,
                                                   const tessera::array::DistArray<double>&, double, double,
                                                   tessera::Index, std::size_t);

}  // namespace matmul_app
