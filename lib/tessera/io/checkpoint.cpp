#include "tessera/io/checkpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "tessera/core/fs.hpp"

namespace tessera::io {
namespace stdfs = std::filesystem;

std::string checkpoint_path(const std::string& dir, const std::string& prefix, std::int64_t step) {
  char num[32];
  std::snprintf(num, sizeof num, "%08lld", static_cast<long long>(step));
  return (stdfs::path(dir.empty() ? "." : dir) / (prefix + "-" + num + ".h5")).string();
}

std::vector<CheckpointFile> list_checkpoints(const std::string& dir, const std::string& prefix) {
  std::vector<CheckpointFile> out;
  std::error_code ec;
  const std::string head = prefix + "-";
  for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= head.size() + 3 || name.compare(0, head.size(), head) != 0) continue;
    if (name.compare(name.size() - 3, 3, ".h5") != 0) continue;
    const std::string digits = name.substr(head.size(), name.size() - head.size() - 3);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!it->is_regular_file(ec)) continue;
    out.push_back({std::stoll(digits), it->path().string()});
  }
  std::sort(out.begin(), out.end(), [](const CheckpointFile& a, const CheckpointFile& b) { return a.step < b.step; });
  return out;
}

std::vector<std::string> prune_checkpoints(const std::string& dir, const std::string& prefix, int keep,
                                           std::int64_t up_to_step) {
  std::vector<std::string> removed;
  auto all = list_checkpoints(dir, prefix);
  all.erase(std::remove_if(all.begin(), all.end(), [&](const CheckpointFile& c) { return c.step > up_to_step; }),
            all.end());
  const long long excess = static_cast<long long>(all.size()) - std::max(keep, 1);
  for (long long i = 0; i < excess; ++i) {
    fs::remove_quietly(all[static_cast<size_t>(i)].path);
    removed.push_back(all[static_cast<size_t>(i)].path);
  }
  return removed;
}

}  // namespace tessera::io
