// tessera/core/topology.hpp: the node as hwloc sees it: packages, NUMA nodes, L3 groups, cores,
// PUs (hardware threads), GPUs and NICs with their NUMA locality. From the live node, or from an
// hwloc XML file (`lstopo node.xml` on any cluster node, or a synthetic one:
// `lstopo --input "pack:2 numa:2 core:16 pu:2" node.xml`), so placements can be judged for nodes
// other than the one running.
//
//   auto t = topology::Topology::live();
//   t.pu(5)->numa;                    // NUMA node (OS index, as numactl numbers them) of CPU 5
//   t.cores_of(mask);                 // one CPU per physical core of the mask
//
// CPUs are OS indices (as in affinity masks and taskset); packages, cores and L3 groups are
// hwloc's logical indices (0..n-1 in topology order).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tessera/core/affinity.hpp"

namespace tessera::topology {

// One PU (hardware thread, a CPU of the affinity masks).
struct Pu {
  int cpu = -1;      // OS index
  int core = -1;     // logical index of its core
  int package = -1;  // logical index of its package (socket)
  int numa = -1;     // OS index of its NUMA node
  int l3 = -1;       // logical index of its L3 cache (-1 when the topology has none)
};

// A GPU or a NIC, and the NUMA nodes it hangs off (those of its nearest non-I/O ancestor).
struct Device {
  std::string name;     // "cuda0", "nvml0", "mlx5_0", "eth0"
  std::string bus_id;   // PCI "0000:3b:00.0" ("" when not on PCI)
  affinity::CpuSet numa;  // NUMA node OS indices near it (empty: unknown)
};

class Topology {
 public:
  // The node this process runs on (hwloc, I/O devices included). Throws tessera::Error when hwloc fails.
  static Topology live();
  // An hwloc XML export. UsageError naming the file when it is missing or not hwloc XML.
  static Topology from_xml(const std::string& path);

  const std::string& source() const { return source_; }  // "live" or the XML path
  const std::vector<Pu>& pus() const { return pus_; }     // sorted by cpu
  const Pu* pu(int cpu) const;                            // nullptr when the node has no such CPU
  affinity::CpuSet cpus() const;                          // every PU
  int packages() const { return packages_; }
  int cores() const { return cores_; }
  int l3s() const { return l3s_; }
  affinity::CpuSet numa_nodes() const;                    // NUMA nodes that hold PUs
  const std::vector<Device>& gpus() const { return gpus_; }  // by PCI bus id
  const std::vector<Device>& nics() const { return nics_; }

  // The lowest CPU of each core `set` touches.
  affinity::CpuSet cores_of(const affinity::CpuSet& set) const;
  // The NUMA nodes (OS indices), packages and L3 groups (logical) of the PUs of `set`.
  affinity::CpuSet numa_of(const affinity::CpuSet& set) const;
  affinity::CpuSet packages_of(const affinity::CpuSet& set) const;
  affinity::CpuSet l3_of(const affinity::CpuSet& set) const;
  // The PUs of a NUMA node, of a core (by logical index).
  affinity::CpuSet cpus_of_numa(int numa) const;
  affinity::CpuSet cpus_of_core(int core) const;
  // The GPU with this PCI bus id (any case, domain optional), or nullptr.
  const Device* gpu_by_bus_id(const std::string& bus_id) const;

  // "2 packages, 4 NUMA nodes, 4 L3, 64 cores, 128 PUs, 4 GPUs, 1 NIC"
  std::string summary() const;

  // As JSON (what each host sends rank 0 in tessera-affinity), and back.
  nlohmann::json to_json() const;
  static Topology from_json(const nlohmann::json& j);

  // For tests and tools: a topology from its parts.
  Topology(std::vector<Pu> pus, std::vector<Device> gpus, std::vector<Device> nics, std::string source);
  Topology() = default;

 private:
  void index();
  std::string source_;
  std::vector<Pu> pus_;
  std::vector<Device> gpus_, nics_;
  int packages_ = 0, cores_ = 0, l3s_ = 0;
};

}  // namespace tessera::topology
