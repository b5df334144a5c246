// tessera/linalg/freivalds.cpp: distributed mat-vecs and Freivalds' check of a product.
#include "tessera/linalg/freivalds.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/mpi/count.hpp"
#include "tessera/mpi/datatype.hpp"

namespace tessera::linalg {

template <typename T>
void distributed_matvec(const array::DistArray<T>& M, const std::vector<long double>& x, std::vector<long double>& y,
                        const std::vector<long double>* xa, std::vector<long double>* ya) {
  const auto& L = M.layout();
  if (L.ndims() != 2) throw UsageError("distributed_matvec: the matrix must be 2D");
  const Index rows = L.shape(0), cols = L.shape(1);
  const bool with_abs = xa != nullptr && ya != nullptr;
  if (static_cast<Index>(x.size()) != cols || (with_abs && static_cast<Index>(xa->size()) != cols))
    throw UsageError("distributed_matvec: the vector has " + std::to_string(x.size()) + " entries, the matrix " +
                     std::to_string(cols) + " columns");
  const int per = with_abs ? 2 : 1;  // values per row in the messages: y (and ya)
  const Index mloc = M.extent(0), nloc = M.extent(1);
  const Index j0 = M.box().lo[1];
  std::vector<long double> part(static_cast<std::size_t>(mloc * per), 0.0L);
  if (!M.empty()) {
#pragma omp parallel for schedule(static)
    for (Index r = 0; r < mloc; ++r) {
      const T* row = &M.local(r, 0);
      long double s = 0, sa = 0;
      for (Index c = 0; c < nloc; ++c) {
        s += static_cast<long double>(row[c]) * x[static_cast<std::size_t>(j0 + c)];
        if (with_abs) sa += std::fabs(static_cast<long double>(row[c])) * (*xa)[static_cast<std::size_t>(j0 + c)];
      }
      part[static_cast<std::size_t>(r * per)] = s;
      if (with_abs) part[static_cast<std::size_t>(r * per + 1)] = sa;
    }
  }
  const MPI_Datatype ld = mpi::mpi_type<long double>();
  const mpi::Comm row = L.grid().sub(1), col = L.grid().sub(0);
  // Sum over the process row: every rank of the row then holds its rows' values.
  if (row.size() > 1 && !part.empty())
    TESSERA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, part.data(), mpi::checked_count(part.size(), "Freivalds row sums"), ld, MPI_SUM, row.get()));
  // Gather the process rows' pieces along the column.
  const int P = L.grid_dim(0);
  std::vector<int> counts(static_cast<std::size_t>(P)), displs(static_cast<std::size_t>(P));
  for (int p = 0; p < P; ++p) {
    counts[static_cast<std::size_t>(p)] = static_cast<int>((L.hi(0, p) - L.lo(0, p)) * per);
    displs[static_cast<std::size_t>(p)] = static_cast<int>(L.lo(0, p) * per);
  }
  std::vector<long double> all(static_cast<std::size_t>(rows * per));
  TESSERA_MPI_CHECK(MPI_Allgatherv(part.data(), mpi::checked_count(part.size(), "Freivalds rows"), ld, all.data(), counts.data(),
                                   displs.data(), ld, col.get()));
  y.assign(static_cast<std::size_t>(rows), 0.0L);
  if (with_abs) ya->assign(static_cast<std::size_t>(rows), 0.0L);
  for (Index i = 0; i < rows; ++i) {
    y[static_cast<std::size_t>(i)] = all[static_cast<std::size_t>(i * per)];
    if (with_abs) (*ya)[static_cast<std::size_t>(i)] = all[static_cast<std::size_t>(i * per + 1)];
  }
}

template <typename T>
FreivaldsCheck<T>::FreivaldsCheck(Index n, std::uint64_t seed) {
  x_.resize(static_cast<std::size_t>(n));
  absx_.resize(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) {
    const std::uint64_t h = counter_hash(seed, 0xF4E1A1D5ull, static_cast<std::uint64_t>(j), 0);
    const long double mag = 0.5L + 0.5L * static_cast<long double>(h >> 11) * 0x1.0p-53L;  // [0.5, 1)
    x_[static_cast<std::size_t>(j)] = (h & 1) ? -mag : mag;
    absx_[static_cast<std::size_t>(j)] = mag;
  }
}

template <typename T>
void FreivaldsCheck<T>::record_initial(const array::DistArray<T>& C0) {
  distributed_matvec(C0, x_, c0x_, &absx_, &c0abs_);
}

template <typename T>
double FreivaldsCheck<T>::tolerance(Index k) {
  return 2.0 * static_cast<double>(k + 2) * static_cast<double>(std::numeric_limits<T>::epsilon());
}

namespace {
long double norm2(const std::vector<long double>& v) {
  long double s = 0;
  for (long double e : v) s += e * e;
  return std::sqrt(s);
}
}  // namespace

template <typename T>
ProductCheck FreivaldsCheck<T>::check(T alpha, const array::DistArray<T>& A, const array::DistArray<T>& B, T beta,
                                      const array::DistArray<T>& C) const {
  const Index k = A.layout().shape(1);
  const bool with_c0 = beta != T(0);
  if (with_c0 && c0x_.size() != static_cast<std::size_t>(C.layout().shape(0)))
    throw Error("FreivaldsCheck: beta != 0 but record_initial() was not called with C0");
  std::vector<long double> bx, bxa, abx, abxa, cx;
  distributed_matvec(B, x_, bx, &absx_, &bxa);   // B x, |B| |x|
  distributed_matvec(A, bx, abx, &bxa, &abxa);   // A (B x), |A| (|B| |x|)
  distributed_matvec(C, x_, cx);                 // C x
  std::vector<long double> r(cx.size());
  const long double a = alpha, b = beta;
  for (std::size_t i = 0; i < cx.size(); ++i) r[i] = cx[i] - a * abx[i] - (with_c0 ? b * c0x_[i] : 0.0L);
  const long double scale = std::fabs(a) * norm2(abxa) + (with_c0 ? std::fabs(b) * norm2(c0abs_) : 0.0L);
  const long double err = norm2(r);
  ProductCheck out;
  out.tolerance = tolerance(k);
  if (scale > 0)
    out.residual = static_cast<double>(err / scale);
  else
    out.residual = err == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  out.passed = out.residual <= out.tolerance;  // false for NaN
  return out;
}

template void distributed_matvec<float>(const array::DistArray<float>&, const std::vector<long double>&,
                                        std::vector<long double>&, const std::vector<long double>*,
                                        std::vector<long double>*);
template void distributed_matvec<double>(const array::DistArray<double>&, const std::vector<long double>&,
                                         std::vector<long double>&, const std::vector<long double>*,
                                         std::vector<long double>*);
template class FreivaldsCheck<float>;
template class FreivaldsCheck<double>;

}  // namespace tessera::linalg
