#include "tessera/core/affinity.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "tessera/core/error.hpp"

namespace tessera::affinity {

CpuSet::CpuSet(std::initializer_list<int> cpus) : CpuSet(std::vector<int>(cpus)) {}

CpuSet::CpuSet(std::vector<int> cpus) : cpus_(std::move(cpus)) {
  std::sort(cpus_.begin(), cpus_.end());
  cpus_.erase(std::unique(cpus_.begin(), cpus_.end()), cpus_.end());
}

CpuSet CpuSet::range(int first, int last) {
  CpuSet s;
  for (int c = first; c <= last; ++c) s.cpus_.push_back(c);
  return s;
}

void CpuSet::insert(int cpu) {
  const auto it = std::lower_bound(cpus_.begin(), cpus_.end(), cpu);
  if (it == cpus_.end() || *it != cpu) cpus_.insert(it, cpu);
}

bool CpuSet::contains(int cpu) const { return std::binary_search(cpus_.begin(), cpus_.end(), cpu); }

CpuSet CpuSet::operator|(const CpuSet& other) const {
  CpuSet out;
  std::set_union(cpus_.begin(), cpus_.end(), other.cpus_.begin(), other.cpus_.end(),
                 std::back_inserter(out.cpus_));
  return out;
}

CpuSet CpuSet::operator&(const CpuSet& other) const {
  CpuSet out;
  std::set_intersection(cpus_.begin(), cpus_.end(), other.cpus_.begin(), other.cpus_.end(),
                        std::back_inserter(out.cpus_));
  return out;
}

CpuSet& CpuSet::operator|=(const CpuSet& other) {
  *this = *this | other;
  return *this;
}

bool CpuSet::overlaps(const CpuSet& other) const {
  auto a = cpus_.begin(), b = other.cpus_.begin();
  while (a != cpus_.end() && b != other.cpus_.end()) {
    if (*a == *b) return true;
    if (*a < *b) ++a;
    else ++b;
  }
  return false;
}

std::string format_cpu_list(const CpuSet& set) {
  std::string out;
  const auto& v = set.cpus();
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(v[i]);
    if (j > i) out += '-' + std::to_string(v[j]);
    i = j + 1;
  }
  return out;
}

namespace {
std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\n");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\n");
  return s.substr(a, b - a + 1);
}

// Linux supports at most a few thousand CPUs; a bound keeps "0-999999999" from exhausting memory.
constexpr int max_cpu = (1 << 20) - 1;

int parse_cpu_number(const std::string& s, const std::string& whole) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("CPU list '" + whole + "': '" + s + "' is not a CPU number");
  if (s.size() > 7 || std::stoi(s) > max_cpu)
    throw UsageError("CPU list '" + whole + "': CPU " + s + " is beyond " + std::to_string(max_cpu));
  return std::stoi(s);
}
}  // namespace

CpuSet parse_cpu_list(const std::string& text) {
  const std::string whole = trim(text);
  std::vector<int> cpus;
  if (whole.empty()) return CpuSet();
  size_t start = 0;
  while (true) {
    const size_t comma = whole.find(',', start);
    const std::string item = trim(whole.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) throw UsageError("CPU list '" + whole + "' has an empty item");
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      cpus.push_back(parse_cpu_number(item, whole));
    } else {
      const int first = parse_cpu_number(item.substr(0, dash), whole);
      std::string rest = item.substr(dash + 1);
      int stride = 1;
      if (const auto colon = rest.find(':'); colon != std::string::npos) {
        stride = parse_cpu_number(rest.substr(colon + 1), whole);
        rest = rest.substr(0, colon);
        if (stride == 0) throw UsageError("CPU list '" + whole + "': stride 0 in '" + item + "'");
      }
      const int last = parse_cpu_number(rest, whole);
      if (last < first) throw UsageError("CPU list '" + whole + "': range '" + item + "' is reversed");
      for (int c = first; c <= last; c += stride) cpus.push_back(c);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return CpuSet(std::move(cpus));
}

int current_cpu() {
  const int c = ::sched_getcpu();
  return c < 0 ? -1 : c;
}

CpuSet current_affinity() {
  // The kernel's mask may be larger than cpu_set_t (more than 1024 CPUs): grow until it fits.
  for (int ncpus = 1024; ncpus <= (1 << 20); ncpus *= 2) {
    cpu_set_t* mask = CPU_ALLOC(ncpus);
    if (!mask) throw Error("CPU_ALLOC failed");
    const size_t bytes = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(bytes, mask);
    if (::sched_getaffinity(0, bytes, mask) == 0) {
      std::vector<int> cpus;
      for (int c = 0; c < ncpus; ++c)
        if (CPU_ISSET_S(c, bytes, mask)) cpus.push_back(c);
      CPU_FREE(mask);
      return CpuSet(std::move(cpus));
    }
    const int err = errno;
    CPU_FREE(mask);
    if (err != EINVAL) throw Error(std::string("sched_getaffinity failed: ") + std::strerror(err));
  }
  throw Error("sched_getaffinity failed: CPU mask larger than 2^20 CPUs");
}

}  // namespace tessera::affinity
