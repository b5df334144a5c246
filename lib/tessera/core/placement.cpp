#include "tessera/core/placement.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace tessera::placement {

using affinity::CpuSet;
using affinity::format_cpu_list;
using affinity::parse_cpu_list;

void to_json(nlohmann::json& j, const ThreadPlacement& p) {
  j = nlohmann::json{{"host", p.host},
                     {"rank", p.rank},
                     {"local_rank", p.local_rank},
                     {"thread", p.thread},
                     {"threads", p.num_threads},
                     {"cpu", p.cpu},
                     {"mask", format_cpu_list(p.mask)},
                     {"cores", format_cpu_list(p.cores)},
                     {"host_cpus", format_cpu_list(p.host_cpus)},
                     {"gpu", p.gpu}};
  if (!p.numa.empty()) {
    j["packages"] = format_cpu_list(p.packages);
    j["numa"] = format_cpu_list(p.numa);
    j["l3"] = format_cpu_list(p.l3);
    j["rank_numa"] = format_cpu_list(p.rank_numa);
  }
  if (!p.gpu_numa.empty()) j["gpu_numa"] = format_cpu_list(p.gpu_numa);
  if (p.gpu >= 0) {
    j["gpu_name"] = p.gpu_name;
    j["gpu_bus_id"] = p.gpu_bus_id;
  }
}

void from_json(const nlohmann::json& j, ThreadPlacement& p) {
  p.host = j.at("host").get<std::string>();
  p.rank = j.at("rank").get<int>();
  p.local_rank = j.value("local_rank", 0);
  p.thread = j.at("thread").get<int>();
  p.num_threads = j.value("threads", 1);
  p.cpu = j.value("cpu", -1);
  p.mask = parse_cpu_list(j.value("mask", std::string()));
  p.cores = parse_cpu_list(j.value("cores", std::string()));
  p.host_cpus = parse_cpu_list(j.value("host_cpus", std::string()));
  p.gpu = j.value("gpu", -1);
  p.gpu_name = j.value("gpu_name", std::string());
  p.gpu_bus_id = j.value("gpu_bus_id", std::string());
  p.packages = parse_cpu_list(j.value("packages", std::string()));
  p.numa = parse_cpu_list(j.value("numa", std::string()));
  p.l3 = parse_cpu_list(j.value("l3", std::string()));
  p.rank_numa = parse_cpu_list(j.value("rank_numa", std::string()));
  p.gpu_numa = parse_cpu_list(j.value("gpu_numa", std::string()));
}

void to_json(nlohmann::json& j, const Warning& w) {
  j = nlohmann::json{{"id", w.id}, {"host", w.host}, {"message", w.message}, {"hint", w.hint}, {"severity", w.severity}};
}

std::string detail::join_some(const std::vector<std::string>& items, size_t show) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < show; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > show) out += fmt::format(" and {} more", items.size() - show);
  return out;
}

void sort_records(std::vector<ThreadPlacement>& records) {
  std::stable_sort(records.begin(), records.end(), [](const ThreadPlacement& a, const ThreadPlacement& b) {
    return std::tie(a.host, a.rank, a.thread) < std::tie(b.host, b.rank, b.thread);
  });
}

std::vector<std::string> check_complete(const std::vector<ThreadPlacement>& records, int nranks) {
  std::vector<std::string> problems;
  std::map<int, std::vector<const ThreadPlacement*>> by_rank;
  for (const auto& p : records) {
    if (p.rank < 0 || p.rank >= nranks)
      problems.push_back(fmt::format("a record names rank {}, outside 0..{}", p.rank, nranks - 1));
    else
      by_rank[p.rank].push_back(&p);
  }
  for (int r = 0; r < nranks; ++r) {
    const auto it = by_rank.find(r);
    if (it == by_rank.end()) {
      problems.push_back(fmt::format("rank {} reported nothing", r));
      continue;
    }
    const auto& recs = it->second;
    const int expected = recs.front()->num_threads;
    std::vector<int> seen(static_cast<size_t>(std::max(expected, 0)), 0);
    for (const auto* p : recs) {
      if (p->num_threads != expected || p->host != recs.front()->host) {
        problems.push_back(fmt::format("rank {} reported inconsistent records (threads {} and {}, hosts {} and {})",
                                       r, expected, p->num_threads, recs.front()->host, p->host));
        break;
      }
      if (p->thread < 0 || p->thread >= expected)
        problems.push_back(fmt::format("rank {} reported thread {} of {}", r, p->thread, expected));
      else
        ++seen[static_cast<size_t>(p->thread)];
    }
    for (int t = 0; t < expected; ++t) {
      const int n = seen[static_cast<size_t>(t)];
      if (n == 0) problems.push_back(fmt::format("rank {} thread {} is missing ({} threads expected)", r, t, expected));
      if (n > 1) problems.push_back(fmt::format("rank {} thread {} reported {} times", r, t, n));
    }
  }
  return problems;
}

namespace {

using Records = std::vector<const ThreadPlacement*>;

using detail::join_some;

const CpuSet& cores_or_mask(const ThreadPlacement& p) { return p.cores.empty() ? p.mask : p.cores; }

// "CPU 3" or "CPUs 0-3,8"
std::string cpus_text(const CpuSet& set) {
  return (set.size() == 1 ? "CPU " : "CPUs ") + format_cpu_list(set);
}

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void single_core_ranks(const std::string& host, const std::map<int, Records>& ranks, std::vector<Warning>& out) {
  std::vector<std::string> items;
  size_t threads = 0;
  for (const auto& [rank, recs] : ranks) {
    if (recs.size() < 2) continue;
    CpuSet mask, cores;
    for (const auto* p : recs) {
      mask |= p->mask;
      cores |= cores_or_mask(*p);
    }
    if (cores.size() != 1) continue;
    threads = std::max(threads, recs.size());
    items.push_back(fmt::format("rank {} ({} threads, {})", rank, recs.size(), cpus_text(mask)));
  }
  if (items.empty()) return;
  out.push_back({"single-core-rank", host,
                 fmt::format("host {}: {} all threads on a single core: {}", host,
                             items.size() == 1 ? "1 rank runs" : fmt::format("{} ranks run", items.size()),
                             join_some(items)),
                 fmt::format("bind each rank to one core per thread: mpirun --map-by slot:PE={0} --bind-to core "
                             "(or --bind-to none), srun --cpu-bind=cores -c {0}; "
                             "then OMP_PLACES=cores OMP_PROC_BIND=close",
                             threads)});
}

void shared_cpus(const std::string& host, const Records& recs, std::vector<Warning>& out) {
  std::map<int, Records> pinned;  // single CPU -> threads pinned to exactly it
  for (const auto* p : recs)
    if (p->mask.size() == 1) pinned[p->mask.first()].push_back(p);
  std::vector<std::string> items;
  size_t threads = 0;
  for (auto& [cpu, ps] : pinned) {
    if (ps.size() < 2) continue;
    std::sort(ps.begin(), ps.end(), [](const ThreadPlacement* a, const ThreadPlacement* b) {
      return std::tie(a->rank, a->thread) < std::tie(b->rank, b->thread);
    });
    threads += ps.size();
    std::vector<std::string> who;
    for (const auto* p : ps) who.push_back(fmt::format("rank {} thread {}", p->rank, p->thread));
    items.push_back(fmt::format("CPU {} ({})", cpu, join_some(who, 3)));
  }
  if (items.empty()) return;
  out.push_back({"shared-cpu", host,
                 fmt::format("host {}: {} pinned to the same single CPU: {}", host,
                             plural(threads, "thread", "threads"), join_some(items)),
                 "give every thread a place of its own: OMP_PLACES=cores OMP_PROC_BIND=close within a rank "
                 "binding of one core per thread (mpirun --map-by slot:PE=N, srun --cpu-bind=cores -c N)"});
}

void oversubscribed(const std::string& host, const Records& recs, std::vector<Warning>& out) {
  CpuSet all;
  for (const auto* p : recs) all |= p->mask;
  if (all.empty() || static_cast<int>(recs.size()) <= all.size()) return;
  out.push_back({"oversubscribed", host,
                 fmt::format("host {}: {} share {} ({})", host, plural(recs.size(), "thread", "threads"),
                             plural(static_cast<size_t>(all.size()), "CPU", "CPUs"), format_cpu_list(all)),
                 "run at most one thread per CPU: ranks per node x OMP_NUM_THREADS <= CPUs; lower "
                 "OMP_NUM_THREADS or the ranks per node, or ask for more CPUs per rank "
                 "(srun -c N, mpirun --map-by slot:PE=N)"});
}

void overlapping_ranks(const std::string& host, const std::map<int, Records>& ranks, std::vector<Warning>& out) {
  struct RankMask {
    int rank;
    CpuSet mask;
    bool unbound;
  };
  std::vector<RankMask> masks;
  for (const auto& [rank, recs] : ranks) {
    RankMask m{rank, {}, false};
    for (const auto* p : recs) m.mask |= p->mask;
    const CpuSet& online = recs.front()->host_cpus;
    m.unbound = !online.empty() && (m.mask & online) == online;
    masks.push_back(std::move(m));
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < masks.size(); ++i)
    for (size_t j = i + 1; j < masks.size(); ++j) {
      const auto& a = masks[i];
      const auto& b = masks[j];
      if (a.unbound && b.unbound) continue;
      const CpuSet common = a.mask & b.mask;
      if (!common.empty())
        items.push_back(fmt::format("ranks {} and {} ({})", a.rank, b.rank, cpus_text(common)));
    }
  if (items.empty()) return;
  out.push_back({"overlapping-ranks", host,
                 fmt::format("host {}: {} share CPUs: {}", host, plural(items.size(), "pair of ranks", "pairs of ranks"),
                             join_some(items)),
                 "bind each rank to cores of its own: mpirun --map-by slot:PE=N --bind-to core, "
                 "srun --cpu-bind=cores -c N (or unbind every rank with mpirun --bind-to none)"});
}

}  // namespace

std::vector<Warning> check_placement(const std::vector<ThreadPlacement>& records) {
  std::map<std::string, Records> by_host;
  std::map<std::string, std::map<int, Records>> by_host_rank;
  for (const auto& p : records) {
    by_host[p.host].push_back(&p);
    by_host_rank[p.host][p.rank].push_back(&p);
  }
  std::vector<Warning> out;
  for (const auto& [host, ranks] : by_host_rank) single_core_ranks(host, ranks, out);
  for (const auto& [host, recs] : by_host) shared_cpus(host, recs, out);
  for (const auto& [host, recs] : by_host) oversubscribed(host, recs, out);
  for (const auto& [host, ranks] : by_host_rank) overlapping_ranks(host, ranks, out);
  return out;
}

}  // namespace tessera::placement
