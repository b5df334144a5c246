// The placement checks that need the node's topology (NUMA, packages, SMT, GPUs, NICs) and the
// placement advice (suggest). See placement.hpp.
#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

#include "tessera/core/error.hpp"
#include "tessera/core/placement.hpp"

namespace tessera::placement {

using affinity::CpuSet;
using affinity::format_cpu_list;
using topology::Topology;

namespace {

using Records = std::vector<const ThreadPlacement*>;

using detail::join_some;

CpuSet rank_mask(const Records& recs) {
  CpuSet m;
  for (const auto* p : recs) m |= p->mask;
  return m;
}

// The largest number of cores one NUMA node of `t` has.
int max_cores_per_numa(const Topology& t) {
  int best = 0;
  for (int n : t.numa_nodes().cpus()) best = std::max(best, t.cores_of(t.cpus_of_numa(n)).size());
  return best;
}

std::string hint_spread(int threads) {
  return fmt::format("keep each rank inside one NUMA node: mpirun --map-by numa:PE={0} --bind-to core, "
                     "srun --cpus-per-task={0} --cpu-bind=cores --distribution=block:cyclic; "
                     "OMP_PLACES=cores OMP_PROC_BIND=close",
                     threads);
}

void numa_spread(const std::string& host, const std::map<int, Records>& ranks, const Topology& t,
                 std::vector<Warning>& out) {
  const int fit = max_cores_per_numa(t);
  std::vector<std::string> items;
  int threads = 1;
  for (const auto& [rank, recs] : ranks) {
    const CpuSet m = rank_mask(recs);
    const CpuSet numa = t.numa_of(m), pkgs = t.packages_of(m);
    if ((numa.size() < 2 && pkgs.size() < 2) || static_cast<int>(recs.size()) > fit) continue;
    threads = std::max(threads, static_cast<int>(recs.size()));
    items.push_back(fmt::format("rank {} ({} threads over NUMA {}, package{} {})", rank, recs.size(),
                                format_cpu_list(numa), pkgs.size() == 1 ? "" : "s", format_cpu_list(pkgs)));
  }
  if (items.empty()) return;
  out.push_back({"numa-spread", host,
                 fmt::format("host {}: {} spread over NUMA nodes although {} threads fit on the {} cores of one: {}",
                             host, items.size() == 1 ? "1 rank is" : fmt::format("{} ranks are", items.size()), threads,
                             fit, join_some(items)),
                 hint_spread(threads)});
}

void gpu_far(const std::string& host, const std::map<int, Records>& ranks, std::vector<Warning>& out) {
  std::vector<std::string> items;
  for (const auto& [rank, recs] : ranks) {
    const auto* p = recs.front();
    if (p->gpu < 0 || p->gpu_numa.empty() || p->rank_numa.empty()) continue;
    if (!(p->gpu_numa & p->rank_numa).empty()) continue;
    items.push_back(fmt::format("rank {} drives GPU {}{} (NUMA {}) from NUMA {}", rank, p->gpu,
                                p->gpu_bus_id.empty() ? "" : " " + p->gpu_bus_id, format_cpu_list(p->gpu_numa),
                                format_cpu_list(p->rank_numa)));
  }
  if (items.empty()) return;
  out.push_back({"gpu-far", host, fmt::format("host {}: {}", host, join_some(items)),
                 "give each rank the GPU of its NUMA node: srun --gpus-per-task=1 --gpu-bind=closest, or with mpirun "
                 "bind ranks by NUMA node (--map-by numa:PE=N) and choose the device of the rank's NUMA node "
                 "(tessera-affinity --suggest prints the pairs)"});
}

// Ranks per domain, for ranks wholly inside one domain; false when some rank spans domains.
bool counts_per(const std::map<int, Records>& ranks, const CpuSet& domains,
                const std::function<CpuSet(const CpuSet&)>& domain_of, std::map<int, int>& count) {
  for (int d : domains.cpus()) count[d] = 0;
  for (const auto& [rank, recs] : ranks) {
    const CpuSet d = domain_of(rank_mask(recs));
    if (d.size() != 1) return false;
    ++count[d.first()];
  }
  return true;
}

void numa_imbalance(const std::string& host, const std::map<int, Records>& ranks, const Topology& t,
                    std::vector<Warning>& out) {
  if (ranks.size() < 2) return;
  CpuSet pkgs;
  for (const auto& p : t.pus()) pkgs.insert(p.package);
  const std::vector<std::tuple<const char*, CpuSet, std::function<CpuSet(const CpuSet&)>>> levels = {
      {"NUMA node", t.numa_nodes(), [&](const CpuSet& m) { return t.numa_of(m); }},
      {"package", pkgs, [&](const CpuSet& m) { return t.packages_of(m); }}};
  for (const auto& [what, domains, domain_of] : levels) {
    if (domains.size() < 2) continue;
    std::map<int, int> count;
    if (!counts_per(ranks, domains, domain_of, count)) return;  // a rank spans domains: numa-spread's business
    int lo = 1 << 30, hi = 0;
    std::vector<std::string> items;
    for (const auto& [d, n] : count) {
      lo = std::min(lo, n), hi = std::max(hi, n);
      items.push_back(fmt::format("{} on {}", n, d));
    }
    if (hi - lo <= 1) continue;
    out.push_back({"numa-imbalance", host,
                   fmt::format("host {}: {} ranks spread unevenly over {} {}s (ranks per {}: {})", host, ranks.size(),
                               domains.size(), what, what, join_some(items, 8)),
                   fmt::format("spread the ranks round-robin over NUMA nodes: mpirun --map-by numa:PE=N --bind-to core, "
                               "srun --distribution=block:cyclic --cpu-bind=cores (tessera-affinity --suggest "
                               "--ranks-per-node {})",
                               ranks.size())});
    return;  // one finding per host
  }
}

void smt_siblings(const std::string& host, const std::map<int, Records>& ranks, const Topology& t,
                  std::vector<Warning>& out) {
  std::vector<std::string> items;
  for (const auto& [rank, recs] : ranks) {
    const CpuSet m = rank_mask(recs);
    std::map<int, int> per_core;  // core -> threads pinned inside it
    for (const auto* p : recs) {
      const CpuSet cores = t.cores_of(p->mask);
      if (cores.size() == 1 && t.pu(cores.first())) ++per_core[t.pu(cores.first())->core];
    }
    int doubled = -1;
    for (const auto& [core, n] : per_core)
      if (n >= 2) doubled = core;
    if (doubled < 0) continue;
    // a whole core of the rank's mask with no thread pinned to it
    int idle = -1;
    for (int c : t.cores_of(m).cpus()) {
      const int core = t.pu(c) ? t.pu(c)->core : -1;
      const CpuSet pus = t.cpus_of_core(core);
      if (core >= 0 && (pus & m) == pus && per_core.find(core) == per_core.end()) {
        idle = c;
        break;
      }
    }
    if (idle < 0) continue;
    items.push_back(fmt::format("rank {}: threads share the core of CPUs {} while the core of CPU {} is idle", rank,
                                format_cpu_list(t.cpus_of_core(doubled)), idle));
  }
  if (items.empty()) return;
  out.push_back({"smt-siblings", host, fmt::format("host {}: {}", host, join_some(items)),
                 "one thread per core before SMT siblings: OMP_PLACES=cores OMP_PROC_BIND=close (or spread)"});
}

void nic_far(const std::string& host, const std::map<int, Records>& ranks, const Topology& t,
             std::vector<Warning>& out) {
  CpuSet near;
  for (const auto& n : t.nics()) near |= n.numa;
  if (near.empty() || t.numa_nodes().size() < 2) return;
  // information when no rank of the host may run near a NIC: all its traffic crosses the node
  std::vector<std::string> items;
  for (const auto& [rank, recs] : ranks) {
    if (!(t.numa_of(rank_mask(recs)) & near).empty()) return;
    items.push_back(fmt::format("rank {}", rank));
  }
  if (items.empty()) return;
  std::vector<std::string> nics;
  for (const auto& n : t.nics()) nics.push_back(fmt::format("{} (NUMA {})", n.name, format_cpu_list(n.numa)));
  out.push_back({"nic-far", host,
                 fmt::format("host {}: no rank may run near the NICs {}: {}", host, join_some(nics, 3), join_some(items)),
                 fmt::format("for communication-heavy ranks, place them on NUMA {} (the NICs' nodes)",
                             format_cpu_list(near)),
                 "info"});
}

}  // namespace

void annotate(std::vector<ThreadPlacement>& records, const Topologies& topologies) {
  std::map<std::pair<std::string, int>, CpuSet> masks;
  for (const auto& p : records) masks[{p.host, p.rank}] |= p.mask;
  for (auto& p : records) {
    const auto it = topologies.find(p.host);
    if (it == topologies.end()) continue;
    const Topology& t = it->second;
    for (int c : (p.mask | p.host_cpus).cpus())
      if (!t.pu(c))
        throw UsageError(fmt::format("the placement of host {} rank {} names CPU {}, which the topology ({}) lacks "
                                     "(it has CPUs {})",
                                     p.host, p.rank, c, t.source(), format_cpu_list(t.cpus())));
    if (p.cpu >= 0 && !t.pu(p.cpu))
      throw UsageError(fmt::format("host {} rank {} thread {} ran on CPU {}, which the topology ({}) lacks", p.host,
                                   p.rank, p.thread, p.cpu, t.source()));
    if (p.host_cpus.empty()) p.host_cpus = t.cpus();
    p.cores = t.cores_of(p.mask);
    p.packages = t.packages_of(p.mask);
    p.numa = t.numa_of(p.mask);
    p.l3 = t.l3_of(p.mask);
    p.rank_numa = t.numa_of(masks[{p.host, p.rank}]);
    p.gpu_numa = CpuSet{};
    if (p.gpu >= 0) {
      const auto* g = t.gpu_by_bus_id(p.gpu_bus_id);
      if (!g && p.gpu_bus_id.empty() && p.gpu < static_cast<int>(t.gpus().size())) g = &t.gpus()[static_cast<size_t>(p.gpu)];
      if (g) p.gpu_numa = g->numa;
    }
  }
}

std::vector<Warning> check_topology(const std::vector<ThreadPlacement>& records, const Topologies& topologies) {
  std::map<std::string, std::map<int, Records>> by_host_rank;
  for (const auto& p : records) by_host_rank[p.host][p.rank].push_back(&p);
  std::vector<Warning> out;
  using Rule = void (*)(const std::string&, const std::map<int, Records>&, const Topology&, std::vector<Warning>&);
  const Rule rules[] = {numa_spread, nullptr, numa_imbalance, smt_siblings, nic_far};
  for (const Rule rule : rules)
    for (const auto& [host, ranks] : by_host_rank) {
      const auto it = topologies.find(host);
      if (it == topologies.end()) continue;
      if (rule) rule(host, ranks, it->second, out);
      else gpu_far(host, ranks, out);
    }
  return out;
}

Suggestion suggest(const Topology& t, int ranks, int threads, int gpus_per_rank, const std::string& host) {
  if (ranks < 1 || threads < 1 || gpus_per_rank < 0)
    throw UsageError("--suggest needs --ranks-per-node >= 1, --threads-per-rank >= 1 and --gpus-per-rank >= 0");
  const int pus = static_cast<int>(t.pus().size());
  if (ranks * threads > pus)
    throw UsageError(fmt::format("no placement: {} ranks x {} threads = {} threads exceed the {} PUs of the node ({})",
                                 ranks, threads, ranks * threads, pus, t.summary()));
  if (ranks * gpus_per_rank > static_cast<int>(t.gpus().size()))
    throw UsageError(fmt::format("no placement: {} ranks x {} GPUs = {} GPUs, the node has {}", ranks, gpus_per_rank,
                                 ranks * gpus_per_rank, t.gpus().size()));
  // NUMA nodes in the order ranks go round: alternating packages (0 of package 0, the first of
  // package 1, ...), so that fewer ranks than NUMA nodes still spread evenly over packages.
  // The NUMA nodes near a NIC go first, and their package (communication leaves from there).
  CpuSet near_nic;
  for (const auto& n : t.nics()) near_nic |= n.numa;
  std::map<int, std::vector<int>> by_package;
  for (int n : t.numa_nodes().cpus()) by_package[t.pu(t.cpus_of_numa(n).first())->package].push_back(n);
  std::vector<std::vector<int>> packages;
  for (auto& [pkg, nodes] : by_package) {
    std::stable_partition(nodes.begin(), nodes.end(), [&](int n) { return near_nic.contains(n); });
    packages.push_back(nodes);
  }
  std::stable_partition(packages.begin(), packages.end(),
                        [&](const std::vector<int>& nodes) { return near_nic.contains(nodes.front()); });
  std::vector<int> order;
  for (size_t k = 0; order.size() < static_cast<size_t>(t.numa_nodes().size()); ++k)
    for (const auto& nodes : packages)
      if (k < nodes.size()) order.push_back(nodes[k]);
  const int D = static_cast<int>(order.size());
  // an equal number of ranks on every NUMA node: in NUMA order, as mpirun --map-by ppr:K:numa places them
  if (ranks % D == 0) order = t.numa_nodes().cpus();
  const int fit = max_cores_per_numa(t);
  // free cores (their PU lists) per NUMA node, in CPU order
  std::map<int, std::vector<CpuSet>> free_cores;
  for (int n : order)
    for (int c : t.cores_of(t.cpus_of_numa(n)).cpus()) free_cores[n].push_back(t.cpus_of_core(t.pu(c)->core));
  std::map<int, int> ranks_on;
  for (int r = 0; r < ranks; ++r) ++ranks_on[order[static_cast<size_t>(r % D)]];
  // one core per thread where the cores suffice, else SMT threads (OMP_PLACES=threads)
  bool smt = false;
  for (const auto& [n, k] : ranks_on)
    if (threads <= fit && k * threads > static_cast<int>(free_cores[n].size())) smt = true;
  if (threads > fit) smt = ranks * threads > t.cores();
  Suggestion s;
  // SMT: single PUs, the first PU of every core before any second one, so that the threads of one
  // rank sit on distinct cores (a rank's threads on siblings of one core is what smt-siblings and
  // single-core-rank flag)
  std::map<int, std::vector<CpuSet>> free_pus;
  for (int n : order) {
    size_t width = 0;
    for (const auto& core : free_cores[n]) width = std::max(width, core.cpus().size());
    for (size_t k = 0; k < width; ++k)
      for (const auto& core : free_cores[n])
        if (k < core.cpus().size()) free_pus[n].push_back(CpuSet{core.cpus()[k]});
  }
  std::vector<const topology::Device*> gpus_left;
  for (const auto& g : t.gpus()) gpus_left.push_back(&g);
  std::vector<std::string> plan, masks_hex, rankfile;
  size_t spill = 0;  // ranks larger than a NUMA node take whole nodes in order
  std::vector<CpuSet> all_places;
  if (threads > fit)  // ranks larger than a NUMA node: whole nodes in CPU order
    for (int n : t.numa_nodes().cpus())
      for (const auto& place : smt ? free_pus[n] : free_cores[n]) all_places.push_back(place);
  for (int r = 0; r < ranks; ++r) {
    std::vector<CpuSet> places;
    if (threads > fit) {
      for (int i = 0; i < threads; ++i) places.push_back(all_places.at(spill++));
    } else {
      auto& pool = smt ? free_pus[order[static_cast<size_t>(r % D)]] : free_cores[order[static_cast<size_t>(r % D)]];
      if (static_cast<int>(pool.size()) < threads)
        throw UsageError(fmt::format("no placement without a finding: {} ranks of {} threads do not share the NUMA "
                                     "nodes of this node evenly ({})",
                                     ranks, threads, t.summary()));
      places.assign(pool.begin(), pool.begin() + threads);
      pool.erase(pool.begin(), pool.begin() + threads);
    }
    CpuSet mask;
    for (const auto& pl : places) mask |= pl;
    const CpuSet numa = t.numa_of(mask);
    std::vector<std::string> gpu_names;
    int first_gpu = -1;
    std::string bus;
    for (int g = 0; g < gpus_per_rank; ++g) {
      auto it = std::find_if(gpus_left.begin(), gpus_left.end(),
                             [&](const topology::Device* d) { return !(d->numa & numa).empty(); });
      if (it == gpus_left.end())
        throw UsageError(fmt::format("no placement without a finding: rank {} (NUMA {}) needs {} GPU(s) near it and "
                                     "the node has too few there ({})",
                                     r, format_cpu_list(numa), gpus_per_rank, t.summary()));
      const int index = static_cast<int>(*it - &t.gpus()[0]);
      if (first_gpu < 0) first_gpu = index, bus = (*it)->bus_id;
      gpu_names.push_back(fmt::format("GPU {} ({})", index, (*it)->bus_id.empty() ? (*it)->name : (*it)->bus_id));
      gpus_left.erase(it);
    }
    for (int th = 0; th < threads; ++th) {
      ThreadPlacement p;
      p.host = host;
      p.rank = r;
      p.local_rank = r;
      p.thread = th;
      p.num_threads = threads;
      p.mask = places[static_cast<size_t>(th)];
      p.cpu = p.mask.first();
      p.host_cpus = t.cpus();
      p.gpu = first_gpu;
      p.gpu_bus_id = bus;
      s.records.push_back(p);
    }
    plan.push_back(fmt::format("rank {}: CPUs {} (NUMA {}){}", r, format_cpu_list(mask), format_cpu_list(numa),
                               gpu_names.empty() ? "" : ", " + join_some(gpu_names, 8)));
    // srun's mask_cpu takes hexadecimal masks
    std::string hex;
    std::vector<int> bits = mask.cpus();
    const int top = bits.empty() ? 0 : bits.back();
    for (int nib = top / 4; nib >= 0; --nib) {
      int v = 0;
      for (int b = 0; b < 4; ++b) v |= mask.contains(nib * 4 + b) ? 1 << b : 0;
      hex += "0123456789abcdef"[v];
    }
    masks_hex.push_back("0x" + hex);
    rankfile.push_back(fmt::format("rank {}={} slot={}", r, host, format_cpu_list(mask)));
  }
  Topologies one{{host, t}};
  annotate(s.records, one);
  const std::string places = smt ? "threads" : "cores";
  s.omp = fmt::format("OMP_NUM_THREADS={} OMP_PLACES={} OMP_PROC_BIND=close", threads, places);
  const bool regular = !smt && threads <= fit && ranks % D == 0;
  const std::string bind = smt ? "--bind-to hwthread --use-hwthread-cpus" : "--bind-to core";
  s.mpirun = regular ? fmt::format("mpirun --map-by ppr:{}:numa:PE={} {} -x OMP_NUM_THREADS={} -x OMP_PLACES={} "
                                   "-x OMP_PROC_BIND=close",
                                   ranks / D, threads, bind, threads, places)
                     : fmt::format("mpirun -np {} --rankfile ranks.txt --mca rmaps_rank_file_physical 1 -x "
                                   "OMP_NUM_THREADS={} -x OMP_PLACES={} -x OMP_PROC_BIND=close",
                                   ranks, threads, places);
  if (!regular) {
    for (const auto& line : rankfile) s.rankfile += line + "\n";
  }
  std::string masks;
  for (const auto& m : masks_hex) masks += (masks.empty() ? "" : ",") + m;
  s.srun = fmt::format("srun --ntasks-per-node={} --cpus-per-task={} --cpu-bind=mask_cpu:{}{}", ranks,
                       smt ? threads : threads * std::max(1, pus / std::max(1, t.cores())), masks,
                       gpus_per_rank > 0 ? fmt::format(" --gpus-per-task={} --gpu-bind=closest", gpus_per_rank) : "");
  s.plan = join_some(plan, 64);
  return s;
}

}  // namespace tessera::placement
