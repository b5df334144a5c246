// apps/taskfarm/primes.cpp: count the primes in [A, B], one task per block of S numbers, with a
// segmented sieve of Eratosthenes (base primes up to sqrt(B), computed once per rank). Verification
// recounts the first and the last block with a deterministic Miller-Rabin test, an unrelated
// algorithm (for blocks too large to recount, a leading piece of them by both methods).
#include <cmath>
#include <cstdint>

#include "kernel.hpp"
#include "tessera/io/table.hpp"

namespace taskfarm {
namespace {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC/Clang: exact 64x64 -> 128 products

u64 mul_mod(u64 a, u64 b, u64 m) { return static_cast<u64>(static_cast<u128>(a) * b % m); }
u64 pow_mod(u64 a, u64 e, u64 m) {
  u64 r = 1;
  a %= m;
  for (; e; e >>= 1, a = mul_mod(a, a, m))
    if (e & 1) r = mul_mod(r, a, m);
  return r;
}
// Deterministic for every 64-bit n (the first twelve primes as bases).
bool is_prime_mr(u64 n) {
  if (n < 2) return false;
  for (u64 p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    if (n % p == 0) return n == p;
  }
  u64 d = n - 1;
  int s = 0;
  while ((d & 1) == 0) d >>= 1, ++s;
  for (u64 a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    u64 x = pow_mod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) {
      x = mul_mod(x, x, n);
      composite = x != n - 1;
    }
    if (composite) return false;
  }
  return true;
}

std::int64_t isqrt(std::int64_t n) {
  auto r = static_cast<std::int64_t>(std::sqrt(static_cast<double>(n)));
  while (r * r > n) --r;
  while ((r + 1) * (r + 1) <= n) ++r;
  return r;
}

class Primes final : public Kernel {
 public:
  explicit Primes(const PrimesParams& p) : p_(p) {}
  std::string describe() const override {
    return "primes in [" + std::to_string(p_.first) + ", " + std::to_string(p_.last) + "], blocks of " +
           std::to_string(p_.block);
  }
  std::int64_t count() const override { return (p_.last - p_.first) / p_.block + 1; }
  std::int64_t lo(std::int64_t id) const { return p_.first + id * p_.block; }
  std::int64_t hi(std::int64_t id) const { return std::min(p_.last, lo(id) + p_.block - 1); }
  std::string input(std::int64_t id) const override {
    return "[" + std::to_string(lo(id)) + ", " + std::to_string(hi(id)) + "]";
  }
  TaskResult run(std::int64_t id) override {
    TaskResult r;
    r.result = sieve_count(lo(id), hi(id));
    return r;
  }

  // Primes in [a, b] by a segmented sieve.
  std::int64_t sieve_count(std::int64_t a, std::int64_t b) {
    if (b < 2 || b < a) return 0;
    a = std::max<std::int64_t>(a, 2);
    if (base_.empty()) make_base_primes(isqrt(p_.last));
    std::vector<std::uint8_t> seg(static_cast<std::size_t>(b - a + 1), 1);
    for (std::int64_t q : base_) {
      if (q * q > b) break;
      std::int64_t j = std::max(q * q, (a + q - 1) / q * q);
      for (; j <= b; j += q) seg[static_cast<std::size_t>(j - a)] = 0;
    }
    std::int64_t n = 0;
    for (auto s : seg) n += s;
    return n;
  }
  static std::int64_t mr_count(std::int64_t a, std::int64_t b) {
    std::int64_t n = 0;
    for (std::int64_t x = std::max<std::int64_t>(a, 0); x <= b; ++x) n += is_prime_mr(static_cast<u64>(x));
    return n;
  }

  Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) override {
    Verdict v;
    if (!comm.is_root()) return v;
    constexpr std::int64_t recount_limit = std::int64_t{1} << 20;
    std::int64_t total = 0;
    for (const auto& rec : all) total += rec.ok() ? rec.result : 0;
    std::vector<std::int64_t> probe = {0};
    if (count() > 1) probe.push_back(count() - 1);
    for (std::int64_t id : probe) {
      const TaskRecord& rec = all.at(static_cast<std::size_t>(id));
      if (!rec.ok()) continue;
      if (hi(id) - lo(id) + 1 <= recount_limit) {
        const std::int64_t mr = mr_count(lo(id), hi(id));
        if (mr != rec.result)
          v.fail("primes: block " + input(id) + " has " + std::to_string(rec.result) + " primes by the sieve, " +
                 std::to_string(mr) + " by Miller-Rabin");
      } else {
        const std::int64_t b = lo(id) + recount_limit - 1;
        const std::int64_t mr = mr_count(lo(id), b), sv = sieve_count(lo(id), b);
        if (mr != sv)
          v.fail("primes: [" + std::to_string(lo(id)) + ", " + std::to_string(b) + "] has " + std::to_string(sv) +
                 " primes by the sieve, " + std::to_string(mr) + " by Miller-Rabin");
      }
    }
    v.lines.push_back("primes    " + std::to_string(total) + " in [" + std::to_string(p_.first) + ", " +
                      std::to_string(p_.last) + "]; first and last blocks recounted by Miller-Rabin");
    v.metrics["primes_total"] = total;
    return v;
  }

  void write_fields(const tessera::io::File& f, const std::vector<TaskRecord>& all) override {
    std::vector<std::int64_t> a, b, n;
    for (const auto& rec : all) {
      a.push_back(lo(rec.id));
      b.push_back(hi(rec.id));
      n.push_back(rec.ok() ? rec.result : -1);
    }
    tessera::io::Table t;
    tessera::io::ColumnInfo info;
    info.description = "first number of the block";
    t.add("first", std::move(a), info);
    info.description = "last number of the block (inclusive)";
    t.add("last", std::move(b), info);
    info.description = "primes in [first, last] (-1: task failed)";
    t.add("count", std::move(n), info);
    tessera::io::write_table(f, "/fields/primes", t);
  }

 private:
  void make_base_primes(std::int64_t limit) {
    std::vector<std::uint8_t> is(static_cast<std::size_t>(limit + 1), 1);
    for (std::int64_t i = 2; i <= limit; ++i) {
      if (!is[static_cast<std::size_t>(i)]) continue;
      base_.push_back(i);
      for (std::int64_t j = i * i; j <= limit; j += i) is[static_cast<std::size_t>(j)] = 0;
    }
    if (base_.empty()) base_.push_back(2);  // marks "computed" for tiny ranges
  }

  PrimesParams p_;
  std::vector<std::int64_t> base_;
};
}  // namespace

std::unique_ptr<Kernel> make_primes(const PrimesParams& p) { return std::make_unique<Primes>(p); }

std::int64_t primes_bytes(const PrimesParams& p, int ranks_per_node) {
  const double base = std::sqrt(static_cast<double>(p.last));
  // the base sieve (bytes) and its primes (8 bytes each, about sqrt(B)/ln sqrt(B)), plus one block
  const double bytes = (base + 8.0 * base / std::max(1.0, std::log(base)) + static_cast<double>(p.block)) *
                       std::max(1, ranks_per_node);
  return static_cast<std::int64_t>(bytes);
}

}  // namespace taskfarm
