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
#include <fstream>
#include <sstream>
#include <iterator>
#include <set>

#include "probe.hpp"
#include "table.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/placement.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/topology.hpp"
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
  std::string topology;    // --topology FILE.xml: judge for that node instead of the live one
  std::string placements;  // --placements FILE.json: judge that table instead of this job
  bool suggest = false;
  int ranks_per_node = 0, threads_per_rank = 0, gpus_per_rank = 0;
};

// What rank 0 learns from the gathered strings: every record, and each rank's OpenMP settings.
struct Gathered {
  std::vector<tp::ThreadPlacement> records;
  std::vector<json> openmp;  // by rank
};

Gathered parse_gathered(const std::vector<std::string>& parts, tp::Topologies& topologies) {
  Gathered g;
  for (const auto& s : parts) {
    const json j = json::parse(s);
    for (const auto& rec : j.at("threads")) g.records.push_back(rec.get<tp::ThreadPlacement>());
    g.openmp.push_back(j.at("openmp"));
    // each host's topology, from its node-local rank 0
    if (j.contains("topology") && !j.at("threads").empty())
      topologies.emplace(j.at("threads").at(0).at("host").get<std::string>(),
                         tessera::topology::Topology::from_json(j.at("topology")));
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
  int suggestion_findings = -1;    // --suggest: findings in the suggested placement
};

// Prints the findings (warnings and information) and counts the warnings.
size_t print_findings(const std::vector<tp::Warning>& all) {
  size_t warnings = 0;
  for (const auto& w : all) {
    const bool info = w.severity == "info";
    warnings += info ? 0 : 1;
    if (info) {
      tessera::log::info("{} (info): {}", w.id, w.message);
      tessera::log::info("{} (info): fix: {}", w.id, w.hint);
    } else {
      tessera::log::warn("{}: {}", w.id, w.message);
      tessera::log::warn("{}: fix: {}", w.id, w.hint);
    }
  }
  return warnings;
}

std::vector<tp::Warning> judge(std::vector<tp::ThreadPlacement>& records, const tp::Topologies& topologies) {
  tp::annotate(records, topologies);
  auto all = tp::check_placement(records);
  for (auto& w : tp::check_topology(records, topologies)) all.push_back(std::move(w));
  return all;
}

void print_table(const std::vector<tp::ThreadPlacement>& records, const tp::Topologies& topologies) {
  tessera::log::info("");
  if (tessera::log::level() >= tessera::log::Level::normal)
    std::fputs(affinity_app::format_table(records, topologies).c_str(), stdout);
  std::fflush(stdout);
}

// Rank 0: the table and the warnings, printed and put in the report.
void summarize(tessera::program::Context& ctx, State& st, Gathered g, const tp::Topologies& topologies, int gpus) {
  const Environment& env = ctx.env();
  tp::sort_records(g.records);
  const auto problems = tp::check_complete(g.records, env.size());
  const auto warnings = judge(g.records, topologies);

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
  print_table(g.records, topologies);

  for (const auto& p : problems) tessera::log::warn("incomplete table: {}", p);
  const size_t nw = print_findings(warnings);
  ctx.summary("placement: {} warning{}{}{}", nw, nw == 1 ? "" : "s",
              warnings.size() > nw ? fmt::format(", {} for information", warnings.size() - nw) : "",
              nw > 0 && !st.strict ? " (--strict makes them fail)" : "");

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
  json topo = json::object();
  for (const auto& [host, t] : topologies) topo[host] = {{"summary", t.summary()}, {"topology", t.to_json()}};
  ctx.report().data()["topologies"] = topo;
  st.problems = static_cast<int>(problems.size());
  st.warnings = static_cast<int>(nw);
}

// --placements FILE.json: the "table" of a report (or the table alone), as records.
std::vector<tp::ThreadPlacement> read_placements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw tessera::UsageError("--placements '" + path + "': cannot read it");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    const json j = json::parse(text);
    const json& table = j.is_object() ? j.at("table") : j;
    if (!table.is_array() || table.empty()) throw tessera::UsageError("no rows");
    return table.get<std::vector<tp::ThreadPlacement>>();
  } catch (const tessera::UsageError& e) {
    throw tessera::UsageError("--placements '" + path + "': " + e.what());
  } catch (const std::exception& e) {
    throw tessera::UsageError("--placements '" + path + "': not a placement table (the \"table\" of a "
                              "tessera-affinity report): " + std::string(e.what()).substr(0, 120));
  }
}

// Rank 0, without looking at this job: a recorded table judged on a topology, or --suggest.
void offline(tessera::program::Context& ctx, State& st) {
  const tessera::topology::Topology node =
      st.topology.empty() ? tessera::topology::Topology::live() : tessera::topology::Topology::from_xml(st.topology);
  ctx.parameter("topology", st.topology.empty() ? std::string("live") : st.topology);
  ctx.report().data()["topologies"] = {{"node", {{"summary", node.summary()}, {"topology", node.to_json()}}}};
  ctx.summary("tessera-affinity: topology {}: {}", node.source(), node.summary());
  if (!st.placements.empty()) {
    auto records = read_placements(st.placements);
    tp::Topologies topologies;
    int nranks = 0;
    for (const auto& p : records) {
      topologies.emplace(p.host, node);  // every host is of the node type given
      nranks = std::max(nranks, p.rank + 1);
    }
    tp::sort_records(records);
    const auto problems = tp::check_complete(records, nranks);
    const auto findings = judge(records, topologies);
    ctx.summary("placements {}: {} ranks on {} host(s), {} rows", st.placements, nranks, topologies.size(), records.size());
    print_table(records, topologies);
    for (const auto& p : problems) tessera::log::warn("incomplete table: {}", p);
    const size_t nw = print_findings(findings);
    ctx.summary("placement: {} warning{}{}{}", nw, nw == 1 ? "" : "s",
                findings.size() > nw ? fmt::format(", {} for information", findings.size() - nw) : "",
                nw > 0 && !st.strict ? " (--strict makes them fail)" : "");
    ctx.report().data()["table"] = records;
    ctx.report().data()["warnings"] = findings;
    ctx.report().data()["problems"] = problems;
    st.problems = static_cast<int>(problems.size());
    st.warnings = static_cast<int>(nw);
  }
  if (st.suggest) {
    if (st.ranks_per_node < 1 || st.threads_per_rank < 1)
      throw tessera::UsageError("--suggest needs --ranks-per-node R and --threads-per-rank T");
    // the live node by its name; a node type as NODE (the rankfile wants the host's name there)
    const std::string host = st.topology.empty() ? ctx.env().hostname() : std::string("NODE");
    auto sug = tp::suggest(node, st.ranks_per_node, st.threads_per_rank, st.gpus_per_rank, host);
    ctx.summary("suggested for {} ranks x {} threads{} per node:", st.ranks_per_node, st.threads_per_rank,
                st.gpus_per_rank ? fmt::format(" x {} GPUs", st.gpus_per_rank) : "");
    ctx.summary("  plan:   {}", sug.plan);
    ctx.summary("  mpirun: {}", sug.mpirun);
    if (!sug.rankfile.empty()) {
      ctx.summary("  ranks.txt (the rankfile named above{}):", host == "NODE" ? "; write the node's host name for NODE" : "");
      std::istringstream lines(sug.rankfile);
      for (std::string line; std::getline(lines, line);) ctx.summary("    {}", line);
    }
    ctx.summary("  srun:   {}", sug.srun);
    ctx.summary("  env:    {}", sug.omp);
    print_table(sug.records, {{host, node}});
    // the tool judges its own advice: a suggestion with a finding is a bug
    const auto findings = judge(sug.records, {{host, node}});
    const size_t nw = print_findings(findings);
    ctx.summary("suggestion judged by the same checks: {} warning{}{}", nw, nw == 1 ? "" : "s",
                findings.size() > nw ? fmt::format(", {} for information", findings.size() - nw) : "");
    ctx.report().data()["suggestion"] = {{"plan", sug.plan},     {"mpirun", sug.mpirun},   {"srun", sug.srun},
                                         {"env", sug.omp},       {"rankfile", sug.rankfile}, {"table", sug.records},
                                         {"findings", findings}};
    st.suggestion_findings = static_cast<int>(nw);
  }
}

void options(CLI::App& app, State& opt) {
  app.add_flag("--strict", opt.strict, "Treat placement warnings as failure (exit 1)");
  app.add_option("--hold", opt.hold, "Keep every thread busy this many seconds before sampling (watch in top)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--topology", opt.topology,
                 "hwloc XML of a node (lstopo node.xml; lstopo --input \"pack:2 numa:2 core:16 pu:2\" x.xml): judge "
                 "--placements or --suggest for it instead of the live node");
  app.add_option("--placements", opt.placements,
                 "A placement table to judge (the \"table\" of a --report, recorded elsewhere or written by hand)");
  app.add_flag("--suggest", opt.suggest, "Print mpirun/srun options and OMP_* settings for a placement with no finding");
  app.add_option("--ranks-per-node", opt.ranks_per_node, "--suggest: ranks per node")->check(CLI::PositiveNumber);
  app.add_option("--threads-per-rank", opt.threads_per_rank, "--suggest: OpenMP threads per rank")->check(CLI::PositiveNumber);
  app.add_option("--gpus-per-rank", opt.gpus_per_rank, "--suggest: GPUs per rank")->check(CLI::NonNegativeNumber);
}

void run(tessera::program::Context& ctx, State& opt) {
  Environment& env = ctx.env();
  tessera::require(std::isfinite(opt.hold), "--hold: must be a finite number of seconds");
  const auto& world = env.world();
  if (!opt.topology.empty() && opt.placements.empty() && !opt.suggest)
    throw tessera::UsageError("--topology '" + opt.topology + "' needs --placements FILE.json or --suggest");
  if (!opt.placements.empty() || opt.suggest) {
    world.collective_check([&] {
      if (env.rank() == 0) offline(ctx, opt);
    });
    opt.problems = world.bcast_value(opt.problems);
    opt.warnings = world.bcast_value(opt.warnings);
    opt.suggestion_findings = world.bcast_value(opt.suggestion_findings);
    return;
  }

  affinity_app::RankIdentity who{env.hostname(), env.rank(), env.local_rank(), -1, "", ""};
  int gpus = 0;
  world.collective_check([&] {
    gpus = tessera::gpu::device_count();
    who.gpu = tessera::gpu::select_device_for_local_rank(env.local_rank());
    who.gpu_name = tessera::gpu::device_name(who.gpu);
    who.gpu_bus_id = tessera::gpu::device_pci_bus_id(who.gpu);
  });

  std::vector<tp::ThreadPlacement> mine;
  tessera::topology::Topology node;
  world.collective_check([&] {
    node = tessera::topology::Topology::live();
    mine = affinity_app::probe_threads(who, opt.hold, node);
  });
  json part = {{"threads", mine}, {"openmp", affinity_app::openmp_settings()}};
  if (env.local_rank() == 0) part["topology"] = node.to_json();  // one per host
  const auto parts = world.gather_strings(part.dump());
  world.collective_check([&] {
    if (env.rank() != 0) return;
    tp::Topologies topologies;
    Gathered g = parse_gathered(parts, topologies);
    summarize(ctx, opt, std::move(g), topologies, gpus);
  });
  opt.problems = world.bcast_value(opt.problems);
  opt.warnings = world.bcast_value(opt.warnings);
}

// The gathered table holds every rank's every thread exactly once (each rank's own report, checked
// against the rank and thread counts); under --strict also no placement warning.
tessera::program::Verdict verify(tessera::program::Context& ctx, State& opt) {
  tessera::program::Verdict v;
  if (!opt.suggest || !opt.placements.empty()) {
    v.equal("table", opt.problems, 0, "problems in the table (missing or repeated rows)");
    if (opt.strict) v.equal("placement", opt.warnings, 0, "placement warnings under --strict");
  }
  if (opt.suggest) v.equal("suggestion", opt.suggestion_findings, 0, "findings in the suggested placement");
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
      "  OMP_NUM_THREADS=2 srun --mpi=pmix --cpu-bind=cores -c 2 tessera-affinity --report a.json\n"
      "  tessera-affinity --topology node.xml --placements a.json        # judge a recorded table for a node type\n"
      "  tessera-affinity --topology node.xml --suggest --ranks-per-node 4 --threads-per-rank 16 --gpus-per-rank 1";
  p.with_output = false;
  p.options = options;
  p.run = run;
  p.verify = verify;
  return tessera::program::main(argc, argv, p);
}
