// tessera-affinity: where does every rank and every OpenMP thread of a job run? (the threads pattern)
//
// Every rank starts one OpenMP parallel region; each thread reports its host, rank, node-local
// rank, thread number, the CPU it is on now, the CPUs it may run on (its affinity mask, as a
// list such as "0-3,8") and, when Tessera is built with CUDA and a device is present, the GPU
// its rank uses (device node-local rank % devices). Rank 0 gathers everything, prints one table
// sorted by host, rank and thread, the OpenMP settings (OMP_NUM_THREADS, OMP_PLACES,
// OMP_PROC_BIND as seen) and the MPI thread level, and then warns about the classic mistakes:
//   single-core-rank   a rank's threads all confined to one core (OMP_NUM_THREADS > 1 under
//                      mpirun's default --bind-to core, say)
//   shared-cpu         two threads on one host pinned to the same single CPU
//   oversubscribed     more threads on a host than CPUs in their masks
//   overlapping-ranks  ranks on one host whose masks share CPUs (unless all are unbound)
// each with a hint how to fix it.
//
// Usage:
//   mpirun -np 4 --map-by slot:PE=2 --bind-to core -x OMP_NUM_THREADS=2 -x OMP_PLACES=cores
//          -x OMP_PROC_BIND=close tessera-affinity
//   OMP_NUM_THREADS=2 srun --mpi=pmix --cpu-bind=cores -c 2 tessera-affinity --report affinity.json
//   mpirun -np 2 --bind-to core tessera-affinity --strict      # fails if pinning looks wrong
//   mpirun -np 2 tessera-affinity --hold 30                    # spin 30 s: watch it in top/htop
//
// Verdict (last line on rank 0, tessera/program/program.hpp):
//   VERIFIED                 every rank reported each of its threads exactly once (the gathered
//                            table has size x threads rows, none twice), and under --strict no
//                            warning was raised; "placement: N warnings" in the summary counts them;
//   FAILED (...)             the table is incomplete or inconsistent (exit 1), or warnings were
//                            raised under --strict (exit 1).
// Exit codes: 0 ok, 1 FAILED, 2 bad usage, 3 runtime error.
// --report FILE.json holds the table ("table": one object per rank/thread), the warnings
// ("warnings": id, host, message, hint), the OpenMP settings and the verdict.
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "probe.hpp"
#include "table.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/placement.hpp"
#include "tessera/core/report.hpp"
#include "tessera/gpu/device.hpp"
#include "tessera/mpi/environment.hpp"
#include "tessera/program/program.hpp"

namespace tp = tessera::placement;
using nlohmann::json;
using tessera::mpi::Environment;

namespace {

struct Options {
  tessera::cli::CommonOptions common;
  bool strict = false;
  double hold = 0;
};

// What rank 0 learns from the gathered strings: every record, and each rank's OpenMP settings.
struct Gathered {
  std::vector<tp::ThreadPlacement> records;
  std::vector<json> openmp;  // by rank
};

Gathered parse_gathered(const std::vector<std::string>& parts) {
  Gathered g;
  for (const auto& s : parts) {
    const json j = json::parse(s);
    for (const auto& rec : j.at("threads")) g.records.push_back(rec.get<tp::ThreadPlacement>());
    g.openmp.push_back(j.at("openmp"));
  }
  return g;
}

std::string openmp_line(const json& omp) {
  return fmt::format("OMP_NUM_THREADS={} OMP_PLACES={} OMP_PROC_BIND={} (binding in effect: {}, {} places)",
                     omp["OMP_NUM_THREADS"].get<std::string>(), omp["OMP_PLACES"].get<std::string>(),
                     omp["OMP_PROC_BIND"].get<std::string>(), omp["proc_bind"].get<std::string>(),
                     omp["num_places"].get<int>());
}

struct State : Options {
  int problems = 0, warnings = 0;  // agreed on every rank
};

// Rank 0: the table and the warnings, printed and put in the report.
void summarize(tessera::program::Context& ctx, State& st, Gathered g, int gpus) {
  const Environment& env = ctx.env();
  tp::sort_records(g.records);
  const auto problems = tp::check_complete(g.records, env.size());
  const auto warnings = tp::check_placement(g.records);

  std::set<std::string> hosts;
  for (const auto& p : g.records) hosts.insert(p.host);
  const int threads = Environment::max_threads();
  const json& omp = g.openmp.front();
  int ranks_differing = 0;
  for (const auto& o : g.openmp) ranks_differing += o != omp ? 1 : 0;

  ctx.summary("tessera-affinity: {} rank{} on {} host{}, {} thread{} per rank, {}", env.size(),
              env.size() == 1 ? "" : "s", hosts.size(), hosts.size() == 1 ? "" : "s", threads, threads == 1 ? "" : "s",
              tessera::mpi::to_string(env.thread_level()));
  ctx.summary("OpenMP: {}{}", openmp_line(omp),
              ranks_differing ? fmt::format(" on rank 0; {} ranks see other settings", ranks_differing) : "");
  ctx.summary("GPU: {}", !tessera::gpu::built_with_cuda() ? "none (built without CUDA)"
                         : gpus == 0                      ? "none visible on rank 0"
                                                          : fmt::format("{} visible on rank 0", gpus));
  tessera::log::info("");
  if (tessera::log::level() >= tessera::log::Level::normal) std::fputs(affinity_app::format_table(g.records).c_str(), stdout);
  std::fflush(stdout);

  for (const auto& p : problems) tessera::log::warn("incomplete table: {}", p);
  for (const auto& w : warnings) {
    tessera::log::warn("{}: {}", w.id, w.message);
    tessera::log::warn("{}: fix: {}", w.id, w.hint);
  }
  const size_t nw = warnings.size();
  ctx.summary("placement: {} warning{}{}", nw, nw == 1 ? "" : "s", nw > 0 && !st.strict ? " (--strict makes them fail)" : "");

  ctx.parameter("strict", st.strict);
  ctx.parameter("hold_seconds", st.hold);
  ctx.run_info("openmp", omp);
  ctx.run_info("openmp_per_rank", g.openmp);
  ctx.run_info("gpus_on_rank0", gpus);
  ctx.metric("rows", g.records.size());
  ctx.metric("warnings", nw);
  ctx.report().data()["table"] = g.records;
  ctx.report().data()["warnings"] = warnings;
  ctx.report().data()["problems"] = problems;
  st.problems = static_cast<int>(problems.size());
  st.warnings = static_cast<int>(nw);
}

void options(CLI::App& app, State& opt) {
  app.add_flag("--strict", opt.strict, "Treat placement warnings as failure (exit 1)");
  app.add_option("--hold", opt.hold, "Keep every thread busy this many seconds before sampling (watch in top)")
      ->check(CLI::Range(0.0, 86400.0));
}

void run(tessera::program::Context& ctx, State& opt) {
  Environment& env = ctx.env();
  tessera::require(std::isfinite(opt.hold), "--hold: must be a finite number of seconds");
  const auto& world = env.world();

  affinity_app::RankIdentity who{env.hostname(), env.rank(), env.local_rank(), -1, "", ""};
  int gpus = 0;
  world.collective_check([&] {
    gpus = tessera::gpu::device_count();
    who.gpu = tessera::gpu::select_device_for_local_rank(env.local_rank());
    who.gpu_name = tessera::gpu::device_name(who.gpu);
    who.gpu_bus_id = tessera::gpu::device_pci_bus_id(who.gpu);
  });

  std::vector<tp::ThreadPlacement> mine;
  world.collective_check([&] { mine = affinity_app::probe_threads(who, opt.hold); });
  const json part = {{"threads", mine}, {"openmp", affinity_app::openmp_settings()}};
  const auto parts = world.gather_strings(part.dump());
  world.collective_check([&] {
    if (env.rank() == 0) summarize(ctx, opt, parse_gathered(parts), gpus);
  });
  opt.problems = world.bcast_value(opt.problems);
  opt.warnings = world.bcast_value(opt.warnings);
}

// The gathered table holds every rank's every thread exactly once (each rank's own report, checked
// against the rank and thread counts); under --strict also no placement warning.
tessera::program::Verdict verify(tessera::program::Context& ctx, State& opt) {
  tessera::program::Verdict v;
  v.equal("table", opt.problems, 0, "problems in the gathered table (missing or repeated rows)");
  if (opt.strict) v.equal("placement", opt.warnings, 0, "placement warnings under --strict");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  tessera::program::Program<State> p;
  p.name = "affinity";
  p.description = "Report where every MPI rank and OpenMP thread runs, and flag pinning mistakes.";
  p.footer =
      "Examples:\n"
      "  mpirun -np 2 --map-by slot:PE=2 -x OMP_NUM_THREADS=2 -x OMP_PLACES=cores tessera-affinity\n"
      "  OMP_NUM_THREADS=2 srun --mpi=pmix --cpu-bind=cores -c 2 tessera-affinity --report a.json";
  p.with_output = false;
  p.options = options;
  p.run = run;
  p.verify = verify;
  return tessera::program::main(argc, argv, p);
}
