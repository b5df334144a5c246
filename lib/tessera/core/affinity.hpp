// tessera/core/affinity.hpp: where the calling thread runs and may run (Linux CPU affinity),
// and sets of CPUs in the kernel's compact list form ("0-3,8", as in /sys and taskset -c).
#pragma once
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tessera::affinity {

// A set of logical CPU numbers, kept sorted and without duplicates.
class CpuSet {
 public:
  CpuSet() = default;
  CpuSet(std::initializer_list<int> cpus);
  explicit CpuSet(std::vector<int> cpus);
  // CPUs first..last inclusive.
  static CpuSet range(int first, int last);

  void insert(int cpu);
  bool contains(int cpu) const;
  bool empty() const { return cpus_.empty(); }
  int size() const { return static_cast<int>(cpus_.size()); }
  const std::vector<int>& cpus() const& { return cpus_; }
  std::vector<int> cpus() && { return std::move(cpus_); }  // a temporary's: `for (int c : f().cpus())` is safe
  int first() const { return cpus_.empty() ? -1 : cpus_.front(); }

  CpuSet operator|(const CpuSet& other) const;  // union
  CpuSet operator&(const CpuSet& other) const;  // intersection
  CpuSet& operator|=(const CpuSet& other);
  bool overlaps(const CpuSet& other) const;
  bool operator==(const CpuSet& other) const { return cpus_ == other.cpus_; }
  bool operator!=(const CpuSet& other) const { return cpus_ != other.cpus_; }

 private:
  std::vector<int> cpus_;
};

// {0,1,2,3,8} -> "0-3,8"; {} -> "".
std::string format_cpu_list(const CpuSet& set);
// "0-3,8" -> {0,1,2,3,8}; also "0-7:2" (stride, as the kernel allows) and spaces around items.
// "" gives an empty set. Throws UsageError for anything else ("3-1", "a", "1,,2", "-1").
CpuSet parse_cpu_list(const std::string& text);

// The CPU the calling thread runs on right now (sched_getcpu), or -1 when unknown.
int current_cpu();
// The CPUs the calling thread may run on (sched_getaffinity of this thread).
// Throws tessera::Error when the kernel refuses.
CpuSet current_affinity();
// The node's CPUs, cores, NUMA nodes and devices come from hwloc: tessera/core/topology.hpp.

}  // namespace tessera::affinity
