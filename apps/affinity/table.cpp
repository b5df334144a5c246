#include "table.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>

namespace affinity_app {

using tessera::affinity::format_cpu_list;

namespace {
std::string or_dash(const tessera::affinity::CpuSet& s) { return s.empty() ? "-" : format_cpu_list(s); }
}  // namespace

std::string format_table(const std::vector<tessera::placement::ThreadPlacement>& records,
                         const tessera::placement::Topologies& topologies) {
  const bool with_gpu = std::any_of(records.begin(), records.end(), [](const auto& p) { return p.gpu >= 0; });
  constexpr size_t N = 10;
  using Row = std::array<std::string, N>;
  const Row header{"host", "rank", "local", "thread", "cpu", "mask", "package", "numa", "l3", "gpu"};
  std::vector<Row> rows{header};
  for (const auto& p : records) {
    std::string gpu = "-";
    if (p.gpu >= 0)
      gpu = fmt::format("{} {} {}{}", p.gpu, p.gpu_name, p.gpu_bus_id,
                        p.gpu_numa.empty() ? "" : " (NUMA " + format_cpu_list(p.gpu_numa) + ")");
    rows.push_back({p.host, std::to_string(p.rank), std::to_string(p.local_rank), std::to_string(p.thread),
                    p.cpu >= 0 ? std::to_string(p.cpu) : "?", format_cpu_list(p.mask), or_dash(p.packages),
                    or_dash(p.numa), or_dash(p.l3), gpu});
  }
  const size_t ncols = with_gpu ? N : N - 1;
  std::array<size_t, N> width{};
  for (const auto& r : rows)
    for (size_t c = 0; c < ncols; ++c) width[c] = std::max(width[c], r[c].size());
  auto line_of = [&](const Row& r) {
    std::string line;
    for (size_t c = 0; c < ncols; ++c) {
      // text columns left-aligned, numbers right-aligned; the last column is not padded
      const bool left = c == 0 || c >= 5;
      const std::string cell = c + 1 == ncols ? r[c]
                               : left         ? fmt::format("{:<{}}", r[c], width[c])
                                              : fmt::format("{:>{}}", r[c], width[c]);
      line += (c ? "  " : "") + cell;
    }
    return line + "\n";
  };
  std::string out;
  std::string host;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (i == 1 || rows[i][0] != host) {
      host = rows[i][0];
      const auto t = topologies.find(host);
      if (i > 1) out += "\n";
      if (t != topologies.end()) out += fmt::format("host {}: {}\n", host, t->second.summary());
      out += line_of(header);
    }
    out += line_of(rows[i]);
  }
  return out;
}

}  // namespace affinity_app
