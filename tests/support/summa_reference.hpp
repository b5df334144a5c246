// tests/support/summa_reference.hpp: what the SUMMA tests share (tests/mpi/test_summa.cpp,
// tests/gpu/test_gpu_summa.cpp): grids on sub-communicators of the job, counter-based entries of
// A, B and C0, and an element-by-element check of C against a serial long double reference.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

#include "tessera/array/dist_array.hpp"
#include "tessera/linalg/matrix_fill.hpp"
#include "tessera/mpi/process_grid.hpp"

namespace tessera::testing {

inline constexpr std::uint64_t kSeed = 2024;

struct GridShape {
  int P, Q;
};
inline const GridShape kGrids[] = {{1, 1}, {2, 1}, {1, 2}, {2, 2}};

// Runs body(grid) on the first P*Q ranks of the job, on a P x Q grid over a sub-communicator;
// the other ranks only take part in the split (collective on the world) and wait.
inline void on_grid(const GridShape& g, const std::function<void(const mpi::ProcessGrid&)>& body) {
  const mpi::Comm world = mpi::Comm::world();
  const int need = g.P * g.Q;
  if (need > world.size()) return;  // the same on every rank
  const mpi::Comm sub = world.split(world.rank() < need ? 0 : 1, world.rank());
  if (world.rank() < need) {
    SCOPED_TRACE("grid " + std::to_string(g.P) + "x" + std::to_string(g.Q));
    body(mpi::ProcessGrid(sub, {g.P, g.Q}));
  }
  world.barrier();
}

template <typename T>
T a_entry(Index i, Index j) { return linalg::random_entry<T>(kSeed, 0, i, j); }
template <typename T>
T b_entry(Index i, Index j) { return linalg::random_entry<T>(kSeed, 1, i, j); }
template <typename T>
T c_entry(Index i, Index j) { return linalg::random_entry<T>(kSeed, 2, i, j); }

// Number of owned entries of C that differ from the serial reference by more than the rounding bound
// 2 (k + 2) eps (|alpha| sum_p |a_ip b_pj| + |beta c_ij|) (first few described in `why`).
template <typename T>
int count_wrong(const array::DistArray<T>& C, Index k, T alpha, T beta, bool c_was_nan, std::string& why) {
  int bad = 0;
  std::ostringstream out;
  const long double eps = std::numeric_limits<T>::epsilon();
  for (Index r = 0; r < C.extent(0); ++r)
    for (Index c = 0; c < C.extent(1); ++c) {
      const Index i = C.box().lo[0] + r, j = C.box().lo[1] + c;
      long double dot = 0, mag = 0;
      for (Index p = 0; p < k; ++p) {
        const long double t = static_cast<long double>(a_entry<T>(i, p)) * b_entry<T>(p, j);
        dot += t;
        mag += std::fabs(t);
      }
      const long double c0 = (beta == T(0) || c_was_nan) ? 0.0L : static_cast<long double>(c_entry<T>(i, j));
      const long double want = static_cast<long double>(alpha) * dot + static_cast<long double>(beta) * c0;
      const long double tol = 2.0L * static_cast<long double>(k + 2) * eps *
                                  (std::fabs(static_cast<long double>(alpha)) * mag + std::fabs(beta * c0)) +
                              std::numeric_limits<T>::min();
      const long double got = C.local(r, c);
      if (!(std::fabs(got - want) <= tol)) {
        if (bad < 3) out << "C(" << i << "," << j << ") = " << static_cast<double>(got) << ", expected "
                         << static_cast<double>(want) << "; ";
        ++bad;
      }
    }
  why = out.str();
  return bad;
}

}  // namespace tessera::testing
