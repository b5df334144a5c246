#include "verify.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/io/hyperslab.hpp"

namespace mapblocks {

using tessera::array::Op;
using tessera::array::OpKind;
using tessera::array::Pipeline;
using tessera::array::Reduction;
using LD = long double;

namespace {

// What the reductions should be, with bounds on how far the fast path may honestly be off.
struct Expect {
  Index n = 0;
  LD sum = 0, sumsq = 0;          // of the finite elements
  LD err_sum = 0, err_sumsq = 0;  // bound on the elements' own rounding (fast path vs exact values)
  LD abs_scale = 0, sq_scale = 0; // sum |x| and sum x^2 (the scale of summation errors)
  double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
  bool nan = false, pinf = false, ninf = false;
};

template <typename T>
constexpr LD unit_roundoff() {
  return std::ldexp(LD(1), -std::numeric_limits<T>::digits);
}

template <typename T>
void add_value_to_minmax(Expect& x, T v) {
  if (std::isnan(v)) {
    x.nan = true;
    return;
  }
  const double d = static_cast<double>(v);
  x.min = std::min(x.min, d);
  x.max = std::max(x.max, d);
  if (std::isinf(v)) (v > 0 ? x.pinf : x.ninf) = true;
}

// ---- closed form: constant input ----
template <typename T>
Expect constant_expectation(T c, Index n, const Pipeline& p) {
  Expect x;
  x.n = n;
  const T v = p.apply_one(c);
  add_value_to_minmax(x, v);
  if (std::isfinite(v)) {
    const LD lv = v;
    x.sum = lv * n;
    x.sumsq = lv * lv * n;
    x.abs_scale = std::fabs(lv) * n;
    x.sq_scale = x.sumsq;
  }
  return x;
}

// ---- closed form: arange through a polynomial pipeline ----
using Poly = std::vector<LD>;  // coefficients, lowest degree first
Poly mul(const Poly& a, const Poly& b) {
  Poly r(a.size() + b.size() - 1, 0);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j) r[i + j] += a[i] * b[j];
  return r;
}
constexpr size_t kMaxDegree = 8;

// The pipeline as a polynomial in the input, if it is one (coefficients as the T path rounds them).
template <typename T>
bool as_polynomial(const Pipeline& p, Poly& out) {
  Poly q{0, 1};
  for (const Op& op : p.ops()) {
    const LD a = static_cast<T>(op.a);
    switch (op.kind) {
      case OpKind::square: q = mul(q, q); break;
      case OpKind::scale:
        for (auto& c : q) c *= a;
        break;
      case OpKind::add: q[0] += a; break;
      case OpKind::pow: {
        if (a < 0 || a > static_cast<LD>(kMaxDegree) || a != std::floor(a)) return false;
        Poly r{1};
        for (int k = 0; k < static_cast<int>(a); ++k) r = mul(r, q);
        q = r;
        break;
      }
      default: return false;
    }
    if (q.size() - 1 > kMaxDegree) return false;
  }
  out = q;
  return true;
}

// S_k(n) = sum_{i=0}^{n-1} i^k for k = 0..kmax, by Faulhaber's formula (B_1 = -1/2).
std::vector<LD> power_sums(Index n, size_t kmax) {
  std::vector<LD> B(kmax + 2, 0);  // Bernoulli numbers, B_1 = -1/2
  B[0] = 1;
  for (size_t m = 1; m < B.size(); ++m) {
    LD s = 0, binom = 1;  // C(m+1, j)
    for (size_t j = 0; j < m; ++j) {
      s += binom * B[j];
      binom = binom * static_cast<LD>(m + 1 - j) / static_cast<LD>(j + 1);
    }
    B[m] = -s / static_cast<LD>(m + 1);
  }
  std::vector<LD> S(kmax + 1, 0);
  const LD N = static_cast<LD>(n);
  for (size_t k = 0; k <= kmax; ++k) {
    LD s = 0, binom = 1;  // C(k+1, j)
    for (size_t j = 0; j <= k; ++j) {
      s += binom * B[j] * std::pow(N, static_cast<LD>(k + 1 - j));
      binom = binom * static_cast<LD>(k + 1 - j) / static_cast<LD>(j + 1);
    }
    S[k] = s / static_cast<LD>(k + 1);
  }
  return S;
}

// True when every operation is monotone over the values it meets for inputs in [lo, hi]:
// then the pipeline's extremes over the inputs are at the two ends.
template <typename T>
bool monotone_on(const Pipeline& p, LD lo, LD hi) {
  for (const Op& op : p.ops()) {
    const LD a = static_cast<T>(op.a), b = static_cast<T>(op.b);
    LD nlo = lo, nhi = hi;
    switch (op.kind) {
      case OpKind::square:
      case OpKind::abs:
        if (lo < 0 && hi > 0) return false;
        nlo = op.kind == OpKind::square ? std::min(lo * lo, hi * hi) : std::min(std::fabs(lo), std::fabs(hi));
        nhi = op.kind == OpKind::square ? std::max(lo * lo, hi * hi) : std::max(std::fabs(lo), std::fabs(hi));
        break;
      case OpKind::sqrt:
        if (lo < 0) return false;
        nlo = std::sqrt(lo), nhi = std::sqrt(hi);
        break;
      case OpKind::exp: nlo = std::exp(lo), nhi = std::exp(hi); break;
      case OpKind::log:
        if (lo < 0) return false;
        nlo = std::log(lo), nhi = std::log(hi);
        break;
      case OpKind::scale: nlo = std::min(lo * a, hi * a), nhi = std::max(lo * a, hi * a); break;
      case OpKind::add: nlo = lo + a, nhi = hi + a; break;
      case OpKind::clip: nlo = std::clamp(lo, a, b), nhi = std::clamp(hi, a, b); break;
      case OpKind::pow: {
        const bool whole = a == std::floor(a);
        if (a < 0 && lo <= 0 && hi >= 0) return false;                          // pole inside
        if (!whole && lo < 0) return false;                                     // NaN territory
        if (whole && std::fmod(std::fabs(a), LD(2)) == 0 && lo < 0 && hi > 0) return false;  // even power
        const LD x = std::pow(lo, a), y = std::pow(hi, a);
        nlo = std::min(x, y), nhi = std::max(x, y);
        break;
      }
    }
    if (std::isnan(nlo) || std::isnan(nhi)) return false;
    lo = nlo, hi = nhi;
  }
  return true;
}

// ---- independent second pass ----

// One operation on a long-double value x known to within e of the exact value; returns the new
// bound, adding the T path's own rounding (u per basic operation, 2u per libm call).
template <typename T>
LD step(const Op& op, LD& x, LD e) {
  const LD u = unit_roundoff<T>();
  const LD a = static_cast<T>(op.a), b = static_cast<T>(op.b);
  const LD inf = std::numeric_limits<LD>::infinity();
  LD d = 0;         // propagated input error
  LD r = u;         // relative rounding of this operation
  switch (op.kind) {
    case OpKind::square: d = (2 * std::fabs(x) + e) * e; x = x * x; break;
    case OpKind::sqrt:
      d = e == 0 ? 0 : (x > e ? e / (std::sqrt(x - e) + std::sqrt(x)) : std::sqrt(e));
      x = std::sqrt(x);
      break;
    case OpKind::abs: d = e; x = std::fabs(x); break;
    case OpKind::exp: d = std::exp(x) * std::expm1(e); x = std::exp(x); r = 2 * u; break;
    case OpKind::log:
      d = e == 0 ? 0 : (x > e ? std::log(x / (x - e)) : inf);
      x = std::log(x);
      r = 2 * u;
      break;
    case OpKind::scale: d = std::fabs(a) * e; x = x * a; break;
    case OpKind::add: d = e; x = x + a; break;
    case OpKind::pow: {
      if (e == 0) d = 0;
      else if (std::fabs(x) > e) {
        const LD m1 = std::pow(std::fabs(x) - e, a - 1), m2 = std::pow(std::fabs(x) + e, a - 1);
        d = std::fabs(a) * std::max(m1, m2) * e;
      } else d = inf;
      x = std::pow(x, a);
      r = 2 * u;
      break;
    }
    case OpKind::clip: d = e; x = std::clamp(x, a, b); break;
  }
  return d + r * std::fabs(x);
}

struct Acc {
  LD sum = 0, c_sum = 0, sumsq = 0, c_sumsq = 0;  // Kahan
  LD err_sum = 0, err_sumsq = 0, abs_scale = 0;
  Index n = 0;
  Expect mm;
  static void kahan(LD& s, LD& c, LD v) {
    const LD y = v - c, t = s + y;
    c = (t - s) - y;
    s = t;
  }
};

template <typename T>
void visit_element(Acc& acc, T raw, const Pipeline& p) {
  T xt = raw;
  LD x = raw, e = 0;
  for (const Op& op : p.ops()) {
    xt = op.apply(xt);
    e = step<T>(op, x, e);
  }
  ++acc.n;
  add_value_to_minmax(acc.mm, xt);
  if (!std::isfinite(xt)) return;
  Acc::kahan(acc.sum, acc.c_sum, x);
  Acc::kahan(acc.sumsq, acc.c_sumsq, x * x);
  acc.err_sum += e;
  acc.err_sumsq += (2 * std::fabs(x) + e) * e;
  acc.abs_scale += std::fabs(x);
}

template <typename T>
Expect independent_pass(const tessera::mpi::Comm& comm, const std::vector<Index>& shape, const Input& in,
                        const Pipeline& p) {
  Index n = 1;
  for (Index s : shape) n *= s;
  const Index n0 = shape[0], plane = n / n0;
  const Index r0 = n0 * comm.rank() / comm.size(), r1 = n0 * (comm.rank() + 1) / comm.size();
  const Index rows_per_block = std::max<Index>(1, (Index{1} << 20) / plane);
  const Index local_blocks = (r1 - r0 + rows_per_block - 1) / rows_per_block;
  const Index blocks = comm.max(local_blocks);  // collective reads: everyone loops as often
  std::vector<T> buf(static_cast<size_t>(std::min(rows_per_block, std::max<Index>(r1 - r0, 1)) * plane));
  tessera::io::Handle ds;
  if (in.from_file) ds = in.file->open_dataset(in.dataset);
  Acc total;
  for (Index bl = 0; bl < blocks; ++bl) {
    const Index a = std::min(r1, r0 + bl * rows_per_block), b = std::min(r1, a + rows_per_block);
    const Index m = (b - a) * plane;
    if (in.from_file) {
      tessera::Box box = tessera::Box::whole(shape);
      box.lo[0] = a, box.hi[0] = b;
      if (a == b) box.hi[0] = box.lo[0];  // select nothing, still take part
      tessera::io::read_box(*in.file, ds, box, buf.data(), tessera::io::MemoryLayout::dense(box));
    } else if (m > 0) {
      in.gen.fill(a * plane, m, buf.data());
    }
#pragma omp parallel
    {
      Acc mine;
#pragma omp for schedule(static)
      for (Index i = 0; i < m; ++i) visit_element<T>(mine, buf[static_cast<size_t>(i)], p);
#pragma omp critical
      {
        total.sum += mine.sum;
        total.sumsq += mine.sumsq;
        total.err_sum += mine.err_sum;
        total.err_sumsq += mine.err_sumsq;
        total.abs_scale += mine.abs_scale;
        total.n += mine.n;
        total.mm.min = std::min(total.mm.min, mine.mm.min);
        total.mm.max = std::max(total.mm.max, mine.mm.max);
        total.mm.nan |= mine.mm.nan;
        total.mm.pinf |= mine.mm.pinf;
        total.mm.ninf |= mine.mm.ninf;
      }
    }
  }
  Expect x;
  x.n = comm.sum(total.n);
  x.sum = comm.sum(total.sum);
  x.sumsq = comm.sum(total.sumsq);
  x.err_sum = comm.sum(total.err_sum);
  x.err_sumsq = comm.sum(total.err_sumsq);
  x.abs_scale = comm.sum(total.abs_scale);
  x.sq_scale = x.sumsq;
  x.min = comm.min(total.mm.min);
  x.max = comm.max(total.mm.max);
  x.nan = comm.any(total.mm.nan);
  x.pinf = comm.any(total.mm.pinf);
  x.ninf = comm.any(total.mm.ninf);
  return x;
}

bool same_nonfinite(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  return got == want;
}

Check compare(const std::string& name, double got, LD want, LD tol) {
  Check c;
  c.name = name;
  c.got = got;
  c.expected = static_cast<double>(want);
  c.tolerance = static_cast<double>(tol);
  if (!std::isfinite(c.expected)) c.ok = same_nonfinite(got, c.expected);
  else c.ok = std::isfinite(got) && std::fabs(static_cast<LD>(got) - want) <= tol;
  return c;
}

}  // namespace

template <typename T>
Verdict verify(const tessera::mpi::Comm& comm, const std::vector<Index>& shape, Index max_chunk, Index nchunks,
               const Input& input, const Pipeline& pipeline, const std::vector<Reduction>& reductions,
               const tessera::array::Partial& got) {
  using Kind = tessera::array::Generator::Kind;
  Index n = 1;
  for (Index s : shape) n *= s;
  Verdict v;
  Expect x;
  bool done = false;
  const bool wants_minmax = std::find(reductions.begin(), reductions.end(), Reduction::min) != reductions.end() ||
                            std::find(reductions.begin(), reductions.end(), Reduction::max) != reductions.end();
  if (!input.from_file && input.gen.is_constant()) {
    x = constant_expectation<T>(input.gen.value<T>(0), n, pipeline);
    v.method = "closed form (every element is pipeline(" + input.gen.to_string() + "))";
    done = true;
  } else if (!input.from_file && input.gen.kind() == Kind::arange) {
    Poly q;
    const bool exact_input = static_cast<LD>(n - 1) <= std::ldexp(LD(1), std::numeric_limits<T>::digits);
    const bool mono = monotone_on<T>(pipeline, 0, static_cast<LD>(n - 1));
    if (exact_input && as_polynomial<T>(pipeline, q) && (mono || !wants_minmax)) {
      const Poly sq = mul(q, q);
      const auto S = power_sums(n, sq.size() - 1);
      x.n = n;
      for (size_t k = 0; k < q.size(); ++k) x.sum += q[k] * S[k], x.abs_scale += std::fabs(q[k]) * S[k];
      for (size_t k = 0; k < sq.size(); ++k) x.sumsq += sq[k] * S[k], x.sq_scale += std::fabs(sq[k]) * S[k];
      // rounding of the elements themselves along the T path, generously bounded
      const LD k = 4 * static_cast<LD>(pipeline.size() + 1) * static_cast<LD>(q.size());
      x.err_sum = k * unit_roundoff<T>() * x.abs_scale;
      x.err_sumsq = 2 * k * unit_roundoff<T>() * x.sq_scale;
      if (mono) {
        add_value_to_minmax(x, pipeline.apply_one(input.gen.value<T>(0)));
        add_value_to_minmax(x, pipeline.apply_one(input.gen.value<T>(n - 1)));
      }
      v.method = "closed form (polynomial " + std::to_string(q.size() - 1) + " in the index, Faulhaber sums)";
      done = true;
    }
  }
  if (!done) {
    x = independent_pass<T>(comm, shape, input, pipeline);
    v.method = std::string("independent second pass (") +
               (input.from_file ? "file re-read" : "values re-generated") +
               " by row slabs, element by element in long double)";
  }
  // summation error of the fast path: lanes of max_chunk/8 additions, then a tree over chunks
  const LD gamma = (static_cast<LD>(max_chunk) / 8 + 8 + std::ceil(std::log2(static_cast<LD>(nchunks) + 1))) *
                   std::ldexp(LD(1), -53);
  const LD slack = std::ldexp(LD(1), -60);  // the reference's own rounding
  const LD tol_sum = 2 * x.err_sum + (gamma + slack) * x.abs_scale;
  const LD tol_sumsq = 2 * x.err_sumsq + (gamma + slack) * x.sq_scale;
  const double qnan = std::numeric_limits<double>::quiet_NaN();
  const LD inf = std::numeric_limits<LD>::infinity();
  // non-finite elements decide the sums on their own
  LD want_sum = x.sum, want_sumsq = x.sumsq;
  if (x.nan || (x.pinf && x.ninf)) want_sum = qnan;
  else if (x.pinf) want_sum = inf;
  else if (x.ninf) want_sum = -inf;
  if (x.nan) want_sumsq = qnan;
  else if (x.pinf || x.ninf) want_sumsq = inf;
  const LD l2 = std::sqrt(want_sumsq);
  for (Reduction r : reductions) {
    Check c;
    switch (r) {
      case Reduction::sum: c = compare("sum", got.value(r), want_sum, tol_sum); break;
      case Reduction::mean:
        c = compare("mean", got.value(r), want_sum / static_cast<LD>(n), tol_sum / static_cast<LD>(n));
        break;
      case Reduction::l2:
        c = compare("l2", got.value(r), l2,
                    (l2 > 0 ? tol_sumsq / (2 * l2) : std::sqrt(tol_sumsq)) + std::ldexp(LD(1), -51) * l2);
        break;
      case Reduction::min: c = compare("min", got.value(r), x.nan ? qnan : x.min, 0); break;
      case Reduction::max: c = compare("max", got.value(r), x.nan ? qnan : x.max, 0); break;
    }
    v.ok = v.ok && c.ok;
    v.checks.push_back(c);
  }
  // every element must have been visited once by the fast path (a skipped chunk of zeros changes
  // no sum, and min/max only reductions never see it otherwise)
  {
    Check c = compare("count", static_cast<double>(got.count), static_cast<LD>(n), 0);
    c.ok = c.ok && x.n == n;
    v.ok = v.ok && c.ok;
    v.checks.push_back(c);
  }
  return v;
}

template Verdict verify<float>(const tessera::mpi::Comm&, const std::vector<Index>&, Index, Index, const Input&,
                               const Pipeline&, const std::vector<Reduction>&, const tessera::array::Partial&);
template Verdict verify<double>(const tessera::mpi::Comm&, const std::vector<Index>&, Index, Index, const Input&,
                                const Pipeline&, const std::vector<Reduction>&, const tessera::array::Partial&);

}  // namespace mapblocks
