// examples/factorials.cpp: Pool.map over ranks. The seed maps math.factorial over a list with
// multiprocessing.Pool on one node; here tasks::TaskFarm hands the tasks n = 0 .. count-1 to every
// rank of the job, load-balanced (rank 0 works too), and gathers one record per task on rank 0.
// Task n computes n! exactly (base-10^9 big integer): its decimal digits and n! mod p, p = 10^9 + 7.
// Verdict, computed on rank 0 without big numbers: every task recorded exactly once; every residue
// equals the running modular product 1 * 2 * ... * n mod p; every digit count equals
// floor(log10 n!) + 1 from lgamma. --test-break changes one residue: the verdict must be FAILED.
//   mpirun -np 2 tessera-example-factorials --count 2000 --report factorials.json
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/program/program.hpp"
#include "tessera/tasks/task_farm.hpp"

namespace tp = tessera::program;
namespace tasks = tessera::tasks;
constexpr std::uint64_t p = 1'000'000'007ULL, base = 1'000'000'000ULL;

struct Options {
  std::int64_t count = 1500;               // tasks: 0!, 1!, ..., (count - 1)!
  bool test_break = false;                 // hidden: corrupt one result
  std::vector<tasks::TaskRecord> records;  // every task, on rank 0
};

// One task: n! as base-10^9 limbs, least significant first.
tasks::TaskResult factorial(std::int64_t n) {
  std::vector<std::uint64_t> limbs{1};
  for (std::uint64_t k = 2; k <= static_cast<std::uint64_t>(n); ++k) {
    std::uint64_t carry = 0;
    for (auto& l : limbs) carry += l * k, l = carry % base, carry /= base;
    for (; carry > 0; carry /= base) limbs.push_back(carry % base);
  }
  std::uint64_t mod = 0;  // Horner's rule from the most significant limb
  for (auto l = limbs.rbegin(); l != limbs.rend(); ++l) mod = (mod * base + *l) % p;
  tasks::TaskResult r;
  r.result = static_cast<std::int64_t>(mod);
  r.output = std::to_string(9 * (limbs.size() - 1) + std::to_string(limbs.back()).size());
  return r;
}

int main(int argc, char** argv) {
  tp::Program<Options> prog;
  prog.name = "example-factorials";
  prog.description = "Pool.map of exact factorials over every rank (tasks::TaskFarm), verified.";
  prog.wanted = tessera::mpi::ThreadLevel::multiple;  // the farm's coordinator thread, if offered
  prog.options = [](CLI::App& app, Options& o) {
    app.add_option("--count", o.count, "Tasks: n! for n = 0 .. count-1")->check(CLI::Range(1, 20000));
    app.add_flag("--test-break", o.test_break, "Test hook: corrupt one result")->group("");
  };
  prog.run = [](tp::Context& ctx, Options& o) {
    tasks::FarmOptions fo;
    fo.threaded_coordinator = ctx.env().thread_level() == tessera::mpi::ThreadLevel::multiple;
    tasks::TaskFarm farm(ctx.world(), fo);
    const auto s = farm.run(o.count, [](std::int64_t n) { return std::to_string(n); }, factorial);
    o.records = farm.gather();  // sorted by id, rank 0 only
    if (o.test_break && !o.records.empty()) o.records.back().result ^= 1;
    ctx.parameter("count", o.count), ctx.metric("tasks_per_rank", s.tasks_per_rank), ctx.metric("efficiency", s.efficiency);
    ctx.summary("{} factorials on {} ranks in {:.3f} s (balance {:.0f}%)", s.run, ctx.world().size(), s.wall,
                100 * s.efficiency);
  };
  prog.verify = [](tp::Context& ctx, Options& o) {
    long long bad[4] = {static_cast<long long>(o.records.size()), 0, 0, 0};  // tasks, ids, residues, digits
    std::uint64_t prod = 1;  // n! mod p, one factor per task (rank 0 holds the records)
    for (std::int64_t n = 0; n < bad[0]; ++n) {
      const auto& r = o.records[static_cast<std::size_t>(n)];
      if (n > 1) prod = prod * static_cast<std::uint64_t>(n) % p;
      bad[1] += r.id != n || !r.ok();
      bad[2] += static_cast<std::uint64_t>(r.result) != prod;
      const double l = std::lgamma(n + 1.0) / std::log(10.0), frac = l - std::floor(l);  // log10 n!
      if (frac > 1e-9 && frac < 1 - 1e-9)  // else too close to an integer to decide in double
        bad[3] += std::stoll(r.output) != static_cast<long long>(std::floor(l)) + 1;
    }
    ctx.world().bcast(bad, 4);  // rank 0 decided; every rank reports the same verdict
    tp::Verdict v;
    v.equal("tasks", bad[0], o.count, "tasks recorded");
    v.equal("ids", bad[1], 0, "tasks missing, repeated or failed");
    v.equal("residues", bad[2], 0, "n! mod p differing from the running modular product");
    v.equal("digits", bad[3], 0, "digit counts differing from lgamma");
    return v;
  };
  return tp::main(argc, argv, prog);
}
