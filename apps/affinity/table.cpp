#include "table.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>

namespace affinity_app {

using tessera::affinity::format_cpu_list;

std::string format_table(const std::vector<tessera::placement::ThreadPlacement>& records) {
  const bool with_gpu = std::any_of(records.begin(), records.end(), [](const auto& p) { return p.gpu >= 0; });
  using Row = std::array<std::string, 7>;
  std::vector<Row> rows;
  rows.push_back({"host", "rank", "local", "thread", "cpu", "mask", "gpu"});
  for (const auto& p : records) {
    std::string gpu = "-";
    if (p.gpu >= 0) gpu = fmt::format("{} {} {}", p.gpu, p.gpu_name, p.gpu_bus_id);
    rows.push_back({p.host, std::to_string(p.rank), std::to_string(p.local_rank), std::to_string(p.thread),
                    p.cpu >= 0 ? std::to_string(p.cpu) : "?", format_cpu_list(p.mask), gpu});
  }
  const size_t ncols = with_gpu ? 7 : 6;
  std::array<size_t, 7> width{};
  for (const auto& r : rows)
    for (size_t c = 0; c < ncols; ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < ncols; ++c) {
      // text columns left-aligned, numbers right-aligned; the last column is not padded
      const bool left = c == 0 || c >= 5;
      const std::string cell = c + 1 == ncols ? r[c]
                               : left         ? fmt::format("{:<{}}", r[c], width[c])
                                              : fmt::format("{:>{}}", r[c], width[c]);
      line += (c ? "  " : "") + cell;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace affinity_app
