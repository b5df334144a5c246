// core/topology and the placement checks that need it, on the synthetic nodes of tests/topologies
// (tests/topologies/make.sh): a 2-socket 64-core SMT node with 4 GPUs, an 8-NUMA node with 8 GPUs
// and a 1-socket laptop. Every finding with a placement that has it and one that does not, on each
// node where the finding can arise; the suggestions judged by the same checks; bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tessera/core/error.hpp"
#include "tessera/core/placement.hpp"
#include "tessera/core/topology.hpp"

using namespace tessera;
using affinity::CpuSet;
using placement::ThreadPlacement;
using topology::Topology;

namespace {
const std::string kDir = TESSERA_TOPOLOGY_DIR;
const Topology& two_socket() {
  static const Topology t = Topology::from_xml(kDir + "/node-2s64c-4gpu.xml");
  return t;
}
const Topology& eight_numa() {
  static const Topology t = Topology::from_xml(kDir + "/node-8numa-8gpu.xml");
  return t;
}
const Topology& laptop() {
  static const Topology t = Topology::from_xml(kDir + "/laptop.xml");
  return t;
}

// A rank of threads, thread k pinned to masks[k].
std::vector<ThreadPlacement> rank_of(int rank, const std::vector<CpuSet>& masks, int gpu = -1,
                                     const std::string& bus = "") {
  std::vector<ThreadPlacement> out;
  for (size_t k = 0; k < masks.size(); ++k) {
    ThreadPlacement p;
    p.host = "n1";
    p.rank = rank;
    p.local_rank = rank;
    p.thread = static_cast<int>(k);
    p.num_threads = static_cast<int>(masks.size());
    p.mask = masks[k];
    p.cpu = masks[k].first();
    p.gpu = gpu;
    p.gpu_bus_id = bus;
    out.push_back(p);
  }
  return out;
}
std::vector<ThreadPlacement> operator+(std::vector<ThreadPlacement> a, const std::vector<ThreadPlacement>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// Threads pinned one per core, `n` of them from core `first_cpu` (PU pairs, SMT 2).
std::vector<CpuSet> cores_from(int first_cpu, int n) {
  std::vector<CpuSet> m;
  for (int i = 0; i < n; ++i) m.push_back(CpuSet{first_cpu + 2 * i, first_cpu + 2 * i + 1});
  return m;
}

// The ids of the findings on `records` for node `t`: warnings, or (info = true) information.
std::vector<std::string> findings(std::vector<ThreadPlacement> records, const Topology& t, bool info = false) {
  placement::Topologies one{{"n1", t}};
  placement::annotate(records, one);
  std::vector<std::string> ids;
  auto all = placement::check_placement(records);
  for (auto& w : placement::check_topology(records, one)) all.push_back(w);
  for (const auto& w : all)
    if ((w.severity == "info") == info) ids.push_back(w.id);
  return ids;
}
bool has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}
std::string text(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& i : ids) s += i + " ";
  return s;
}
}  // namespace

TEST(Topology, TheSyntheticNodesReadAsBuilt) {
  const Topology& a = two_socket();
  EXPECT_EQ(a.packages(), 2);
  EXPECT_EQ(a.numa_nodes(), CpuSet::range(0, 3));
  EXPECT_EQ(a.cores(), 64);
  EXPECT_EQ(a.pus().size(), 128u);
  ASSERT_EQ(a.gpus().size(), 4u);
  for (int g = 0; g < 4; ++g) EXPECT_EQ(a.gpus()[static_cast<size_t>(g)].numa, (CpuSet{g})) << g;
  EXPECT_EQ(a.gpus()[1].bus_id, "0000:20:00.0");
  ASSERT_EQ(a.nics().size(), 1u);  // ib0 and mlx5_0 are one HCA
  EXPECT_EQ(a.nics()[0].numa, (CpuSet{0}));
  EXPECT_EQ(a.pu(33)->numa, 1);
  EXPECT_EQ(a.pu(70)->package, 1);
  EXPECT_EQ(a.cores_of(CpuSet{4, 5, 6}), (CpuSet{4, 6}));
  EXPECT_EQ(a.numa_of(CpuSet{31, 32}), (CpuSet{0, 1}));
  EXPECT_NE(a.gpu_by_bus_id("20:00.0"), nullptr);                 // domain optional, any case
  EXPECT_NE(a.gpu_by_bus_id("00000000:20:00.0"), nullptr);        // CUDA's 8-digit domain
  EXPECT_EQ(a.gpu_by_bus_id("0000:99:00.0"), nullptr);
  const Topology& b = eight_numa();
  EXPECT_EQ(b.numa_nodes().size(), 8);
  EXPECT_EQ(b.gpus().size(), 8u);
  EXPECT_EQ(b.pu(16 * 5)->numa, 5);
  EXPECT_EQ(b.pu(16 * 5)->package, 1);
  const Topology& c = laptop();
  EXPECT_EQ(c.cores(), 4);
  EXPECT_EQ(c.pus().size(), 8u);
  EXPECT_TRUE(c.gpus().empty());
  EXPECT_EQ(c.summary(), "1 package, 1 NUMA node, 1 L3, 4 cores, 8 PUs, 0 GPUs, 1 NIC");
  // through JSON (what each host sends rank 0) and back
  const Topology back = Topology::from_json(a.to_json());
  EXPECT_EQ(back.summary(), a.summary());
  EXPECT_EQ(back.gpus()[3].numa, a.gpus()[3].numa);
}

TEST(Topology, TheLiveNodeHasTheCpusThisThreadMayUse) {
  const Topology t = Topology::live();
  const CpuSet mask = affinity::current_affinity();
  EXPECT_EQ(mask & t.cpus(), mask);
  EXPECT_GE(t.cores(), 1);
}

TEST(Topology, WhatIsNotHwlocXmlIsBadInput) {
  EXPECT_THROW(Topology::from_xml(kDir + "/missing.xml"), UsageError);
  const auto dir = std::filesystem::temp_directory_path() / ("tessera-topo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "text.xml").string()) << "not xml at all\n";
  std::ofstream((dir / "other.xml").string()) << "<?xml version=\"1.0\"?>\n<Xdmf><Domain/></Xdmf>\n";
  std::ofstream((dir / "broken.xml").string()) << "<?xml version=\"1.0\"?>\n<topology version=\"2.0\"><object type=\n";
  for (const char* f : {"text.xml", "other.xml", "broken.xml"})
    EXPECT_THROW(Topology::from_xml((dir / f).string()), UsageError) << f;
  std::filesystem::remove_all(dir);
  // a placement that names a CPU the node lacks
  auto records = rank_of(0, {CpuSet{130}});
  placement::Topologies one{{"n1", laptop()}};
  EXPECT_THROW(placement::annotate(records, one), UsageError);
}

TEST(Findings, NumaSpread) {
  // 4 threads over NUMA 0 and 1 although a NUMA node has 16 (8) cores; the same inside one node
  EXPECT_TRUE(has(findings(rank_of(0, cores_from(28, 4)), two_socket()), "numa-spread"));
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 4)), two_socket()).empty());
  EXPECT_TRUE(has(findings(rank_of(0, cores_from(12, 4)), eight_numa()), "numa-spread"));
  EXPECT_TRUE(findings(rank_of(0, cores_from(16, 4)), eight_numa()).empty());
  // 20 threads do not fit on the 16 cores of a NUMA node: spanning two is right
  EXPECT_FALSE(has(findings(rank_of(0, cores_from(0, 20)), two_socket()), "numa-spread"));
  // one NUMA node: nothing to spread over
  EXPECT_TRUE(findings(rank_of(0, {CpuSet::range(0, 7), CpuSet::range(0, 7)}), laptop()).empty());
}

TEST(Findings, GpuFar) {
  // rank on NUMA 0 driving GPU 1 (NUMA 1); the same rank with GPU 0; by index when no bus id
  const auto far = findings(rank_of(0, cores_from(0, 2), 1, "0000:20:00.0"), two_socket());
  EXPECT_TRUE(has(far, "gpu-far")) << text(far);
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 2), 0, "0000:10:00.0"), two_socket()).empty());
  EXPECT_TRUE(has(findings(rank_of(0, cores_from(0, 2), 3), two_socket()), "gpu-far"));
  EXPECT_TRUE(has(findings(rank_of(0, cores_from(16 * 7, 2), 0, "0000:10:00.0"), eight_numa()), "gpu-far"));
  EXPECT_TRUE(findings(rank_of(0, cores_from(16 * 7, 2), 7, "0000:80:00.0"), eight_numa()).empty());
  // the laptop has no GPU: a device it cannot place is not judged
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 2), 0), laptop()).empty());
}

TEST(Findings, NumaImbalance) {
  // 4 ranks on package 0 (NUMA 0, 0, 1, 1) of 2 packages; one rank per NUMA node
  const auto packed = rank_of(0, cores_from(0, 2)) + rank_of(1, cores_from(4, 2)) + rank_of(2, cores_from(32, 2)) +
                      rank_of(3, cores_from(36, 2));
  EXPECT_TRUE(has(findings(packed, two_socket()), "numa-imbalance")) << text(findings(packed, two_socket()));
  const auto spread = rank_of(0, cores_from(0, 2)) + rank_of(1, cores_from(32, 2)) + rank_of(2, cores_from(64, 2)) +
                      rank_of(3, cores_from(96, 2));
  EXPECT_TRUE(findings(spread, two_socket()).empty()) << text(findings(spread, two_socket()));
  // 8 NUMA nodes: 2 ranks on NUMA 0 and 1 leave package 1 idle; NUMA 0 and 4 do not
  const auto one_package = rank_of(0, cores_from(0, 2)) + rank_of(1, cores_from(16, 2));
  EXPECT_TRUE(has(findings(one_package, eight_numa()), "numa-imbalance"));
  const auto two_packages = rank_of(0, cores_from(16, 2)) + rank_of(1, cores_from(64, 2));
  EXPECT_TRUE(findings(two_packages, eight_numa()).empty()) << text(findings(two_packages, eight_numa()));
  // the laptop has one NUMA node and one package
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 2)) + rank_of(1, cores_from(4, 2)), laptop()).empty());
}

TEST(Findings, SmtSiblings) {
  // two threads on the siblings of core 0 while cores 1 and 2 of the rank's mask run none
  const std::vector<CpuSet> siblings{CpuSet{0}, CpuSet{1}, CpuSet::range(2, 5)};
  const std::vector<CpuSet> apart{CpuSet{0}, CpuSet{2}, CpuSet::range(4, 5)};
  for (const Topology* t : {&two_socket(), &eight_numa(), &laptop()}) {
    EXPECT_TRUE(has(findings(rank_of(0, siblings), *t), "smt-siblings")) << t->source();
    EXPECT_TRUE(findings(rank_of(0, apart), *t).empty()) << t->source() << ": " << text(findings(rank_of(0, apart), *t));
  }
}

TEST(Findings, NicFarIsInformation) {
  // no rank near the NIC's NUMA node (0 on the 2-socket node, 1 on the 8-NUMA node)
  std::vector<ThreadPlacement> away = rank_of(0, cores_from(64, 2));
  placement::Topologies one{{"n1", two_socket()}};
  placement::annotate(away, one);
  const auto w = placement::check_topology(away, one);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].id, "nic-far");
  EXPECT_EQ(w[0].severity, "info");
  EXPECT_NE(w[0].message.find("ib0"), std::string::npos) << w[0].message;
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 2)) + rank_of(1, cores_from(64, 2)), two_socket(), true).empty());
  EXPECT_TRUE(has(findings(rank_of(0, cores_from(0, 2)), eight_numa(), true), "nic-far"));
  EXPECT_TRUE(findings(rank_of(0, cores_from(16, 2)), eight_numa(), true).empty());
  EXPECT_TRUE(findings(rank_of(0, cores_from(0, 2)), laptop(), true).empty());  // one NUMA node: nothing is far
}

TEST(Suggest, EverySuggestionIsJudgedFree) {
  struct Case {
    int ranks, threads, gpus;
  };
  const std::vector<Case> cases{{1, 1, 0}, {2, 4, 0},  {3, 8, 0},  {4, 16, 1}, {8, 8, 1}, {16, 4, 0},
                                {5, 3, 0}, {64, 2, 0}, {2, 40, 0}, {128, 1, 0}, {3, 2, 0}, {2, 3, 0}};
  for (const Topology* t : {&two_socket(), &eight_numa(), &laptop()})
    for (const auto& c : cases) {
      const std::string what = t->source() + " " + std::to_string(c.ranks) + "x" + std::to_string(c.threads) + "x" +
                               std::to_string(c.gpus);
      const bool possible = c.ranks * c.threads <= static_cast<int>(t->pus().size()) &&
                            c.ranks * c.gpus <= static_cast<int>(t->gpus().size());
      if (!possible) {
        EXPECT_THROW(placement::suggest(*t, c.ranks, c.threads, c.gpus, "n1"), UsageError) << what;
        continue;
      }
      const auto s = placement::suggest(*t, c.ranks, c.threads, c.gpus, "n1");
      ASSERT_EQ(s.records.size(), static_cast<size_t>(c.ranks * c.threads)) << what;
      CpuSet used;
      for (const auto& p : s.records) {
        EXPECT_FALSE(used.overlaps(p.mask)) << what << ": CPUs given twice";
        used |= p.mask;
        EXPECT_EQ(c.gpus > 0, p.gpu >= 0) << what;
      }
      const auto warnings = findings(s.records, *t);
      EXPECT_TRUE(warnings.empty()) << what << ": " << text(warnings) << "\n" << s.plan;
      EXPECT_NE(s.mpirun.find("OMP_NUM_THREADS=" + std::to_string(c.threads)), std::string::npos) << s.mpirun;
      EXPECT_NE(s.srun.find("--ntasks-per-node=" + std::to_string(c.ranks)), std::string::npos) << s.srun;
    }
  // more GPUs per rank than any NUMA node has
  EXPECT_THROW(placement::suggest(two_socket(), 2, 4, 2, "n1"), UsageError);
}
