// examples/threads.cpp: threads that report where they run. The seed starts threads that print
// their name and CPU; here every OpenMP thread of every rank samples the CPU it runs on
// (sched_getcpu) and the CPUs it may run on (sched_getaffinity), and rank 0 gathers the table:
// host, rank, local rank, thread, CPU, mask, and the classic pinning mistakes (placement.hpp).
// Verdict: every thread of every rank reported exactly once, and every thread's CPU lies in its
// own affinity mask. --test-break moves one reported CPU outside its mask: the verdict must be FAILED.
//   OMP_NUM_THREADS=2 mpirun -np 2 tessera-example-threads --report threads.json
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tessera/core/affinity.hpp"
#include "tessera/core/placement.hpp"
#include "tessera/core/topology.hpp"
#include "tessera/program/program.hpp"

namespace tp = tessera::program;
namespace aff = tessera::affinity;
using tessera::placement::ThreadPlacement;

struct Options {
  bool test_break = false;               // hidden: report one CPU outside its mask
  std::vector<ThreadPlacement> records;  // every thread of every rank, on rank 0
};

int main(int argc, char** argv) {
  tp::Program<Options> prog;
  prog.name = "example-threads";
  prog.description = "Every OpenMP thread of every rank reports its host, CPU and affinity mask, verified.";
  prog.options = [](CLI::App& app, Options& o) {
    app.add_flag("--test-break", o.test_break, "Test hook: report one CPU outside its mask")->group("");
  };
  prog.run = [](tp::Context& ctx, Options& o) {
    auto& env = ctx.env();
    std::vector<ThreadPlacement> mine(static_cast<std::size_t>(env.max_threads()));
    const auto node = tessera::topology::Topology::live();  // the node's CPUs and cores (hwloc)
#pragma omp parallel num_threads(static_cast<int>(mine.size()))
    {
      ThreadPlacement t;
#ifdef _OPENMP
      t.thread = omp_get_thread_num();
#endif
      t.host = env.hostname(), t.rank = env.rank(), t.local_rank = env.local_rank();
      t.num_threads = static_cast<int>(mine.size());
      t.mask = aff::current_affinity(), t.cpu = aff::current_cpu();  // where it may run, where it is
      t.cores = node.cores_of(t.mask), t.host_cpus = node.cpus();
      mine[static_cast<std::size_t>(t.thread)] = t;
    }
    // One JSON array per rank, gathered as text on rank 0.
    for (const auto& text : ctx.world().gather_strings(nlohmann::json(mine).dump()))
      for (const auto& t : nlohmann::json::parse(text)) o.records.push_back(t.get<ThreadPlacement>());
    tessera::placement::sort_records(o.records);
    if (o.test_break && !o.records.empty()) o.records[0].cpu = o.records[0].host_cpus.cpus().back() + 1;
    for (const auto& t : o.records)
      ctx.summary("{} rank {} (local {}) thread {}/{}: CPU {} of mask {}", t.host, t.rank, t.local_rank, t.thread,
                  t.num_threads, t.cpu, aff::format_cpu_list(t.mask));
    for (const auto& w : tessera::placement::check_placement(o.records))
      ctx.summary("warning {} on {}: {} ({})", w.id, w.host, w.message, w.hint);
    ctx.metric("threads", o.records.size());
  };
  prog.verify = [](tp::Context& ctx, Options& o) {
    long long bad[2] = {0, 0};  // problems with the table, CPUs outside their masks (rank 0 decides)
    if (ctx.world().is_root()) {
      bad[0] = static_cast<long long>(tessera::placement::check_complete(o.records, ctx.world().size()).size());
      for (const auto& t : o.records) bad[1] += !t.mask.contains(t.cpu);
    }
    ctx.world().bcast(bad, 2);
    tp::Verdict v;
    v.equal("complete", bad[0], 0, "every thread of every rank reported exactly once");
    v.equal("cpu_in_mask", bad[1], 0, "threads on a CPU outside their own affinity mask");
    return v;
  };
  return tp::main(argc, argv, prog);
}
