#include "tessera/core/meminfo.hpp"

#include <fmt/core.h>

#include <fstream>
#include <sstream>

namespace tessera::meminfo {

double parse_mem_available(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    double kib = -1;
    std::string unit;
    if (!(fields >> kib) || kib < 0) return -1;
    fields >> unit;  // "kB" (the kernel always writes KiB)
    return kib * 1024.0;
  }
  return -1;
}

double available_host_bytes() {
  std::ifstream f("/proc/meminfo");
  if (!f) return -1;
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_mem_available(ss.str());
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 5) {
    bytes /= 1024.0;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", bytes);
  return fmt::format("{:.{}f} {}", bytes, bytes < 10 ? 2 : 1, units[u]);
}

}  // namespace tessera::meminfo
