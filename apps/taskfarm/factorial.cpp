// apps/taskfarm/factorial.cpp: the seed's example, exact n! with GMP. Each task computes n!, its
// number of decimal digits and n! mod (10^9 + 7). Verification recomputes the residues as a
// running modular product 1 * 2 * ... * n (no big numbers) and the digit counts from lgamma.
#include <gmp.h>

#include <cmath>

#include "kernel.hpp"
#include "tessera/io/table.hpp"

namespace taskfarm {
namespace {
constexpr std::uint64_t modulus = 1'000'000'007ULL;

// RAII mpz_t
struct Mpz {
  mpz_t v;
  Mpz() { mpz_init(v); }
  ~Mpz() { mpz_clear(v); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
};

// Exact number of decimal digits of z > 0 (mpz_sizeinbase may be one too many).
std::int64_t decimal_digits(const mpz_t z) {
  const std::size_t guess = mpz_sizeinbase(z, 10);
  if (guess <= 1) return 1;
  Mpz p;
  mpz_ui_pow_ui(p.v, 10, guess - 1);
  return mpz_cmp(z, p.v) >= 0 ? static_cast<std::int64_t>(guess) : static_cast<std::int64_t>(guess - 1);
}

// floor(log10(n!)) + 1 from lgamma; `sure` is false when log10(n!) is too close to an integer to tell.
std::int64_t digits_estimate(std::int64_t n, bool& sure) {
  sure = true;
  if (n <= 1) return 1;  // 0! = 1! = 1, and log10 = 0 exactly
  const double l = std::lgamma(static_cast<double>(n) + 1.0) / std::log(10.0);
  const double frac = l - std::floor(l);
  sure = frac > 1e-9 * std::max(1.0, l) && frac < 1.0 - 1e-9 * std::max(1.0, l);
  return static_cast<std::int64_t>(std::floor(l)) + 1;
}

std::int64_t parse_digits(const std::string& out) {
  const auto eq = out.find("digits=");
  if (eq == std::string::npos) return -1;
  try {
    return std::stoll(out.substr(eq + 7));
  } catch (const std::exception&) {
    return -1;
  }
}

class Factorial final : public Kernel {
 public:
  explicit Factorial(const FactorialParams& p) : p_(p) {}
  std::string describe() const override {
    return "factorial n! for n = " + std::to_string(p_.first) + ".." + std::to_string(p_.last) + " (GMP)";
  }
  std::int64_t count() const override { return p_.last - p_.first + 1; }
  std::string input(std::int64_t id) const override { return std::to_string(p_.first + id); }

  TaskResult run(std::int64_t id) override {
    const std::int64_t n = p_.first + id;
    Mpz f;
    mpz_fac_ui(f.v, static_cast<unsigned long>(n));
    TaskResult r;
    r.result = static_cast<std::int64_t>(mpz_fdiv_ui(f.v, modulus));
    r.output = "digits=" + std::to_string(decimal_digits(f.v));
    return r;
  }

  Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) override {
    Verdict v;
    if (!comm.is_root()) return v;
    // n! mod p as a running product, from 0! = 1 up to the last n.
    std::uint64_t prod = 1;
    std::int64_t next = 1, uncertain = 0, checked = 0, max_digits = 0;
    for (const auto& rec : all) {
      if (!rec.ok()) continue;
      const std::int64_t n = p_.first + rec.id;
      for (; next <= n; ++next) prod = prod * (static_cast<std::uint64_t>(next) % modulus) % modulus;
      if (static_cast<std::uint64_t>(rec.result) != prod) {
        v.fail("factorial: " + std::to_string(n) + "! mod (10^9+7) is " + std::to_string(rec.result) +
               ", the modular product gives " + std::to_string(prod));
        break;
      }
      const std::int64_t d = parse_digits(rec.output);
      bool sure = true;
      const std::int64_t est = digits_estimate(n, sure);
      if (!sure) ++uncertain;
      if (d < 1 || (sure && d != est)) {
        v.fail("factorial: " + std::to_string(n) + "! has " + std::to_string(d) + " digits, lgamma says " +
               std::to_string(est));
        break;
      }
      max_digits = std::max(max_digits, d);
      ++checked;
    }
    v.lines.push_back("checked   " + std::to_string(checked) + " residues mod 10^9+7 against a modular product, " +
                      "digit counts against lgamma" +
                      (uncertain ? " (" + std::to_string(uncertain) + " too close to call)" : ""));
    v.lines.push_back("largest   " + std::to_string(p_.last) + "! has " + std::to_string(max_digits) + " digits");
    v.metrics["factorial_checked"] = checked;
    v.metrics["factorial_max_digits"] = max_digits;
    return v;
  }

  void write_fields(const tessera::io::File& f, const std::vector<TaskRecord>& all) override {
    std::vector<std::int64_t> n, digits, residue;
    for (const auto& rec : all) {
      n.push_back(p_.first + rec.id);
      digits.push_back(rec.ok() ? parse_digits(rec.output) : -1);
      residue.push_back(rec.ok() ? rec.result : -1);
    }
    tessera::io::Table t;
    tessera::io::ColumnInfo info;
    t.add("n", std::move(n));
    info.description = "decimal digits of n! (-1: task failed)";
    t.add("digits", std::move(digits), info);
    info.description = "n! mod (10^9 + 7) (-1: task failed)";
    t.add("mod_1000000007", std::move(residue), info);
    tessera::io::write_table(f, "/fields/factorial", t);
  }

 private:
  FactorialParams p_;
};
}  // namespace

std::unique_ptr<Kernel> make_factorial(const FactorialParams& p) { return std::make_unique<Factorial>(p); }

std::int64_t factorial_bytes(const FactorialParams& p, int ranks_per_node) {
  bool sure = true;
  const double digits = static_cast<double>(digits_estimate(p.last, sure));
  // n! itself, 10^(d-1) for the digit count and GMP's temporaries: about four numbers of that size
  const double bytes = 4.0 * digits * std::log2(10.0) / 8.0 * std::max(1, ranks_per_node);
  return bytes > 9e18 ? std::int64_t{9'000'000'000'000'000'000} : static_cast<std::int64_t>(bytes);
}

}  // namespace taskfarm
