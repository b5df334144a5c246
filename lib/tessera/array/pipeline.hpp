// tessera/array/pipeline.hpp: fused element-wise pipelines (dask's task fusion, without the graph).
//
// A Pipeline is a chain of element-wise operations (square, sqrt, abs, exp, log, scale:A, add:B,
// pow:P, clip:LO:HI). apply() runs the whole chain over a buffer tile by tile: each tile of
// `Pipeline::tile` elements stays in L1 while every operation passes over it, so a chain of k
// operations reads and writes memory once, not k times, and never makes one temporary per step.
//
//   auto p = Pipeline::parse({"square", "scale:0.5", "clip:0:10"});
//   p.apply(data, n);                 // in place, fused
//   double y = p.apply_one(3.0);      // one element (same operations, same rounding)
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tessera/core/box.hpp"
#include "tessera/core/inline.hpp"

namespace tessera::array {

enum class OpKind { square, sqrt, abs, exp, log, scale, add, pow, clip };

struct Op {
  OpKind kind = OpKind::square;
  double a = 0, b = 0;  // scale:A, add:A, pow:A, clip:A:B

  static Op square() { return {OpKind::square}; }
  static Op sqrt() { return {OpKind::sqrt}; }
  static Op abs() { return {OpKind::abs}; }
  static Op exp() { return {OpKind::exp}; }
  static Op log() { return {OpKind::log}; }
  static Op scale(double s) { return {OpKind::scale, s}; }
  static Op add(double s) { return {OpKind::add, s}; }
  static Op pow(double p) { return {OpKind::pow, p}; }
  static Op clip(double lo, double hi) { return {OpKind::clip, lo, hi}; }

  // The spec it parses from ("scale:0.5"), with numbers in shortest round-trip form.
  std::string to_string() const;
  // One element; the tiled path in Pipeline::apply computes exactly the same thing.
  template <typename T>
  T apply(T x) const {
    switch (kind) {
      case OpKind::square: return x * x;
      case OpKind::sqrt: return std::sqrt(x);
      case OpKind::abs: return std::abs(x);
      case OpKind::exp: return std::exp(x);
      case OpKind::log: return std::log(x);
      case OpKind::scale: return x * static_cast<T>(a);
      case OpKind::add: return x + static_cast<T>(a);
      case OpKind::pow: return std::pow(x, static_cast<T>(a));
      case OpKind::clip: return clip_value(x, static_cast<T>(a), static_cast<T>(b));
    }
    return x;
  }
  // True when x is outside the operation's domain or at a pole: log of x <= 0, sqrt of x < 0,
  // pow of x < 0 with a non-integer exponent or of 0 with a negative one. NaN input is not flagged.
  template <typename T>
  bool domain_error(T x) const {
    switch (kind) {
      case OpKind::log: return x <= T(0);
      case OpKind::sqrt: return x < T(0);
      case OpKind::pow:
        return (x < T(0) && std::trunc(static_cast<T>(a)) != static_cast<T>(a)) || (x == T(0) && a < 0);
      default: return false;
    }
  }
  bool can_fail() const { return kind == OpKind::log || kind == OpKind::sqrt || kind == OpKind::pow; }

  // NaN stays NaN (no comparison is true for it).
  template <typename T>
  static T clip_value(T x, T lo, T hi) {
    return x < lo ? lo : (x > hi ? hi : x);
  }
};

// "square", "sqrt", "abs", "exp", "log", "scale:A", "add:B", "pow:P", "clip:LO:HI" (numbers finite,
// LO <= HI). Throws UsageError with a one-line message naming the problem.
Op parse_op(const std::string& spec);

// The first element of a buffer outside an operation's domain (strict math).
struct DomainError {
  int op = -1;        // index of the operation in the pipeline; -1 if none
  Index offset = -1;  // element offset in the buffer
  double value = 0;   // the offending input of that operation
  bool found() const { return op >= 0; }
};

class Pipeline {
 public:
  // Elements per fused tile: small enough to stay in L1 (16 KiB of doubles).
  static constexpr Index tile = 2048;

  Pipeline() = default;
  explicit Pipeline(std::vector<Op> ops) : ops_(std::move(ops)) {}
  // Each spec is one operation or a comma-separated list, applied in order.
  static Pipeline parse(const std::vector<std::string>& specs);

  Pipeline& then(Op op) {
    ops_.push_back(op);
    return *this;
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  std::string to_string() const;  // "square,scale:2" or "identity"

  template <typename T>
  T apply_one(T x) const {
    for (const Op& op : ops_) x = op.apply(x);
    return x;
  }

  // In place over x[0, n), fused tile by tile. With `strict`, stops at the first element outside
  // an operation's domain and reports it (x is then partly transformed); otherwise IEEE rules apply
  // (log(-1) is NaN) and nothing is reported.
  template <typename T>
  TESSERA_ALWAYS_INLINE DomainError apply(T* x, Index n, bool strict = false) const {
    for (Index s = 0; s < n; s += tile) {
      const Index m = std::min(tile, n - s);
      T* t = x + s;
      for (size_t k = 0; k < ops_.size(); ++k) {
        if (strict && ops_[k].can_fail()) {
          const DomainError e = find_domain_error(ops_[k], static_cast<int>(k), t, m);
          if (e.found()) return {e.op, e.offset + s, e.value};
        }
        apply_op(ops_[k], t, m);
      }
    }
    return {};
  }

 private:
  template <typename T>
  TESSERA_ALWAYS_INLINE static DomainError find_domain_error(const Op& op, int k, const T* t, Index m) {
    for (Index i = 0; i < m; ++i)
      if (op.domain_error(t[i])) return {k, i, static_cast<double>(t[i])};
    return {};
  }
  // One simple loop per operation, so the compiler vectorises each.
  template <typename T>
  TESSERA_ALWAYS_INLINE static void apply_op(const Op& op, T* t, Index m) {
    const T a = static_cast<T>(op.a), b = static_cast<T>(op.b);
    switch (op.kind) {
      case OpKind::square:
        for (Index i = 0; i < m; ++i) t[i] = t[i] * t[i];
        return;
      case OpKind::sqrt:
        for (Index i = 0; i < m; ++i) t[i] = std::sqrt(t[i]);
        return;
      case OpKind::abs:
        for (Index i = 0; i < m; ++i) t[i] = std::abs(t[i]);
        return;
      case OpKind::exp:
        for (Index i = 0; i < m; ++i) t[i] = std::exp(t[i]);
        return;
      case OpKind::log:
        for (Index i = 0; i < m; ++i) t[i] = std::log(t[i]);
        return;
      case OpKind::scale:
        for (Index i = 0; i < m; ++i) t[i] = t[i] * a;
        return;
      case OpKind::add:
        for (Index i = 0; i < m; ++i) t[i] = t[i] + a;
        return;
      case OpKind::pow:
        for (Index i = 0; i < m; ++i) t[i] = std::pow(t[i], a);
        return;
      case OpKind::clip:
        for (Index i = 0; i < m; ++i) t[i] = Op::clip_value(t[i], a, b);
        return;
    }
  }

  std::vector<Op> ops_;
};

}  // namespace tessera::array
