#include "tessera/core/topology.hpp"

#include <fmt/core.h>
#include <hwloc.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <set>

#include "tessera/core/error.hpp"

namespace tessera::topology {

using affinity::CpuSet;

namespace {

struct Closer {
  void operator()(hwloc_topology* t) const { hwloc_topology_destroy(t); }
};
using Handle = std::unique_ptr<hwloc_topology, Closer>;

CpuSet from_bitmap(hwloc_const_bitmap_t b) {
  CpuSet s;
  if (!b) return s;
  for (int i = hwloc_bitmap_first(b); i >= 0; i = hwloc_bitmap_next(b, i)) s.insert(i);
  return s;
}

std::string bus_id_of(hwloc_obj_t o) {
  for (; o; o = o->parent)
    if (o->type == HWLOC_OBJ_PCI_DEVICE)
      return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", o->attr->pcidev.domain, o->attr->pcidev.bus, o->attr->pcidev.dev,
                         o->attr->pcidev.func);
  return "";
}

// NUMA nodes near an I/O object: the nodeset of its first non-I/O ancestor.
CpuSet numa_near(hwloc_topology_t t, hwloc_obj_t o) {
  hwloc_obj_t a = hwloc_get_non_io_ancestor_obj(t, o);
  return a ? from_bitmap(a->nodeset) : CpuSet{};
}

bool starts_with(const char* s, const char* prefix) { return s && std::string(s).rfind(prefix, 0) == 0; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
// "3b:00.0" and "0000:3B:00.0" name the same device.
std::string normal_bus_id(const std::string& id) {
  std::string s = lower(id);
  if (std::count(s.begin(), s.end(), ':') == 1) s = "0000:" + s;
  // CUDA writes an 8-digit domain ("00000000:3B:00.0")
  const auto colon = s.find(':');
  if (colon != std::string::npos && colon > 4) s = s.substr(colon - 4);
  return s;
}

Topology load(hwloc_topology_t raw, const std::string& source) {
  Handle t(raw);
  hwloc_topology_set_io_types_filter(t.get(), HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  if (hwloc_topology_load(t.get()) != 0) throw Error("hwloc cannot load the topology of " + source);
  std::vector<Pu> pus;
  const int npu = hwloc_get_nbobjs_by_type(t.get(), HWLOC_OBJ_PU);
  for (int i = 0; i < npu; ++i) {
    hwloc_obj_t pu = hwloc_get_obj_by_type(t.get(), HWLOC_OBJ_PU, static_cast<unsigned>(i));
    Pu p;
    p.cpu = static_cast<int>(pu->os_index);
    if (auto* c = hwloc_get_ancestor_obj_by_type(t.get(), HWLOC_OBJ_CORE, pu)) p.core = static_cast<int>(c->logical_index);
    else p.core = 1000000 + p.cpu;  // a PU without a core is a core of its own
    if (auto* k = hwloc_get_ancestor_obj_by_type(t.get(), HWLOC_OBJ_PACKAGE, pu)) p.package = static_cast<int>(k->logical_index);
    else p.package = 0;
    if (auto* l3 = hwloc_get_ancestor_obj_by_type(t.get(), HWLOC_OBJ_L3CACHE, pu)) p.l3 = static_cast<int>(l3->logical_index);
    const CpuSet nodes = from_bitmap(pu->nodeset);
    p.numa = nodes.empty() ? 0 : nodes.first();
    pus.push_back(p);
  }
  std::vector<Device> gpus, nics;
  std::set<std::string> gpu_buses, nic_buses;
  for (hwloc_obj_t o = hwloc_get_next_osdev(t.get(), nullptr); o; o = hwloc_get_next_osdev(t.get(), o)) {
    const auto type = o->attr->osdev.type;
    Device d{o->name ? o->name : "", bus_id_of(o), numa_near(t.get(), o)};
    const bool gpu = (type == HWLOC_OBJ_OSDEV_COPROC && (starts_with(o->name, "cuda") || starts_with(o->name, "opencl"))) ||
                     (type == HWLOC_OBJ_OSDEV_GPU && (starts_with(o->name, "nvml") || starts_with(o->name, "rsmi")));
    if (gpu) {
      // one entry per device, whichever of its names (cuda0, nvml0, opencl0d0) come first
      if (d.bus_id.empty() || gpu_buses.insert(d.bus_id).second) gpus.push_back(d);
    } else if (type == HWLOC_OBJ_OSDEV_NETWORK || type == HWLOC_OBJ_OSDEV_OPENFABRICS) {
      // one entry per device (an InfiniBand HCA is both ib0 and mlx5_0)
      if (d.bus_id.empty() || nic_buses.insert(d.bus_id).second) nics.push_back(d);
    }
  }
  std::stable_sort(gpus.begin(), gpus.end(), [](const Device& a, const Device& b) { return a.bus_id < b.bus_id; });
  return Topology(std::move(pus), std::move(gpus), std::move(nics), source);
}

}  // namespace

Topology::Topology(std::vector<Pu> pus, std::vector<Device> gpus, std::vector<Device> nics, std::string source)
    : source_(std::move(source)), pus_(std::move(pus)), gpus_(std::move(gpus)), nics_(std::move(nics)) {
  index();
}

void Topology::index() {
  std::sort(pus_.begin(), pus_.end(), [](const Pu& a, const Pu& b) { return a.cpu < b.cpu; });
  std::set<int> k, c, l;
  for (const auto& p : pus_) {
    k.insert(p.package);
    c.insert(p.core);
    if (p.l3 >= 0) l.insert(p.l3);
  }
  packages_ = static_cast<int>(k.size());
  cores_ = static_cast<int>(c.size());
  l3s_ = static_cast<int>(l.size());
}

Topology Topology::live() {
  hwloc_topology_t t = nullptr;
  if (hwloc_topology_init(&t) != 0) throw Error("hwloc_topology_init failed");
  return load(t, "live");
}

Topology Topology::from_xml(const std::string& path) {
  {
    std::ifstream in(path);
    if (!in) throw UsageError("--topology '" + path + "': cannot read the file");
    std::string head(512, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (head.find("<topology") == std::string::npos)
      throw UsageError("--topology '" + path + "': not an hwloc XML topology (write one with lstopo " + path + ")");
  }
  hwloc_topology_t t = nullptr;
  if (hwloc_topology_init(&t) != 0) throw Error("hwloc_topology_init failed");
  if (hwloc_topology_set_xml(t, path.c_str()) != 0) {
    hwloc_topology_destroy(t);
    throw UsageError("--topology '" + path + "': hwloc cannot read it as XML");
  }
  // the whole node as written, not restricted to what this process may use
  hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
  try {
    Topology out = load(t, path);
    if (out.pus().empty()) throw UsageError("--topology '" + path + "': the topology has no PU");
    return out;
  } catch (const UsageError&) {
    throw;
  } catch (const Error&) {
    throw UsageError("--topology '" + path + "': hwloc cannot load it (not a valid hwloc XML topology)");
  }
}

const Pu* Topology::pu(int cpu) const {
  auto it = std::lower_bound(pus_.begin(), pus_.end(), cpu, [](const Pu& p, int c) { return p.cpu < c; });
  return it != pus_.end() && it->cpu == cpu ? &*it : nullptr;
}

CpuSet Topology::cpus() const {
  CpuSet s;
  for (const auto& p : pus_) s.insert(p.cpu);
  return s;
}

CpuSet Topology::numa_nodes() const {
  CpuSet s;
  for (const auto& p : pus_) s.insert(p.numa);
  return s;
}

namespace {
template <typename F>
CpuSet map_set(const Topology& t, const CpuSet& set, F f) {
  CpuSet out;
  for (int c : set.cpus())
    if (const Pu* p = t.pu(c)) {
      const int v = f(*p);
      if (v >= 0) out.insert(v);
    }
  return out;
}
}  // namespace

CpuSet Topology::cores_of(const CpuSet& set) const {
  CpuSet seen_cores, out;
  for (int c : set.cpus()) {
    const Pu* p = pu(c);
    if (!p) {
      out.insert(c);  // unknown CPU: a core of its own
      continue;
    }
    if (seen_cores.contains(p->core)) continue;
    seen_cores.insert(p->core);
    out.insert(cpus_of_core(p->core).first());
  }
  return out;
}
CpuSet Topology::numa_of(const CpuSet& set) const { return map_set(*this, set, [](const Pu& p) { return p.numa; }); }
CpuSet Topology::packages_of(const CpuSet& set) const {
  return map_set(*this, set, [](const Pu& p) { return p.package; });
}
CpuSet Topology::l3_of(const CpuSet& set) const { return map_set(*this, set, [](const Pu& p) { return p.l3; }); }

CpuSet Topology::cpus_of_numa(int numa) const {
  CpuSet s;
  for (const auto& p : pus_)
    if (p.numa == numa) s.insert(p.cpu);
  return s;
}
CpuSet Topology::cpus_of_core(int core) const {
  CpuSet s;
  for (const auto& p : pus_)
    if (p.core == core) s.insert(p.cpu);
  return s;
}

const Device* Topology::gpu_by_bus_id(const std::string& bus_id) const {
  if (bus_id.empty()) return nullptr;
  const std::string want = normal_bus_id(bus_id);
  for (const auto& g : gpus_)
    if (!g.bus_id.empty() && normal_bus_id(g.bus_id) == want) return &g;
  return nullptr;
}

std::string Topology::summary() const {
  auto n = [](int k, const char* one, const char* many) { return fmt::format("{} {}", k, k == 1 ? one : many); };
  std::string s = n(packages_, "package", "packages") + ", " +
                  n(numa_nodes().size(), "NUMA node", "NUMA nodes") + ", ";
  if (l3s_ > 0) s += n(l3s_, "L3", "L3s") + ", ";
  s += n(cores_, "core", "cores") + ", " + n(static_cast<int>(pus_.size()), "PU", "PUs");
  s += ", " + n(static_cast<int>(gpus_.size()), "GPU", "GPUs") + ", " + n(static_cast<int>(nics_.size()), "NIC", "NICs");
  return s;
}

nlohmann::json Topology::to_json() const {
  nlohmann::json pus = nlohmann::json::array(), gpus = nlohmann::json::array(), nics = nlohmann::json::array();
  for (const auto& p : pus_) pus.push_back({p.cpu, p.core, p.package, p.numa, p.l3});
  auto dev = [](const Device& d) {
    return nlohmann::json{{"name", d.name}, {"bus_id", d.bus_id}, {"numa", affinity::format_cpu_list(d.numa)}};
  };
  for (const auto& g : gpus_) gpus.push_back(dev(g));
  for (const auto& n : nics_) nics.push_back(dev(n));
  return {{"source", source_}, {"pus", pus}, {"gpus", gpus}, {"nics", nics}};
}

Topology Topology::from_json(const nlohmann::json& j) {
  std::vector<Pu> pus;
  for (const auto& p : j.at("pus")) pus.push_back({p.at(0), p.at(1), p.at(2), p.at(3), p.at(4)});
  auto devs = [](const nlohmann::json& a) {
    std::vector<Device> out;
    for (const auto& d : a)
      out.push_back({d.at("name"), d.at("bus_id"), affinity::parse_cpu_list(d.at("numa").get<std::string>())});
    return out;
  };
  return Topology(std::move(pus), devs(j.at("gpus")), devs(j.at("nics")), j.value("source", std::string("json")));
}

}  // namespace tessera::topology
