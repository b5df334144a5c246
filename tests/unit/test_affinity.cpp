// CPU sets in the kernel's list form, and the calling thread's own placement.
#include <gtest/gtest.h>

#include "tessera/core/affinity.hpp"
#include "tessera/core/topology.hpp"
#include "tessera/core/error.hpp"

using tessera::affinity::CpuSet;
using tessera::affinity::format_cpu_list;
using tessera::affinity::parse_cpu_list;

TEST(CpuList, FormatsRunsAsRanges) {
  EXPECT_EQ(format_cpu_list(CpuSet{}), "");
  EXPECT_EQ(format_cpu_list(CpuSet{5}), "5");
  EXPECT_EQ(format_cpu_list(CpuSet{0, 1}), "0-1");
  EXPECT_EQ(format_cpu_list(CpuSet{8, 0, 3, 1, 2}), "0-3,8");
  EXPECT_EQ(format_cpu_list(CpuSet{0, 2, 4, 5, 6, 10, 11}), "0,2,4-6,10-11");
}

TEST(CpuList, ParsesKernelSyntax) {
  EXPECT_EQ(parse_cpu_list("0-3,8"), (CpuSet{0, 1, 2, 3, 8}));
  EXPECT_EQ(parse_cpu_list("7"), (CpuSet{7}));
  EXPECT_EQ(parse_cpu_list(""), CpuSet{});
  EXPECT_EQ(parse_cpu_list(" 1 , 3-4\n"), (CpuSet{1, 3, 4}));
  EXPECT_EQ(parse_cpu_list("0-7:2"), (CpuSet{0, 2, 4, 6}));
  EXPECT_EQ(parse_cpu_list("4,2,4,3"), (CpuSet{2, 3, 4}));  // sorted, no duplicates
}

TEST(CpuList, RoundTrips) {
  for (const char* text : {"0", "0-1", "0-3,8", "1,3,5-9,64-127", "2-3,1000"})
    EXPECT_EQ(format_cpu_list(parse_cpu_list(text)), text);
}

TEST(CpuList, RejectsMalformedLists) {
  for (const char* bad : {"a", "1,,2", ",1", "1,", "3-1", "-1", "1-", "0-4:0", "1.5", "0x3", "99999999"})
    EXPECT_THROW(parse_cpu_list(bad), tessera::UsageError) << "'" << bad << "'";
}

TEST(CpuSet, UnionIntersectionOverlap) {
  const CpuSet a{0, 1, 2, 3}, b{2, 3, 4}, c{7};
  EXPECT_EQ(a | b, (CpuSet{0, 1, 2, 3, 4}));
  EXPECT_EQ(a & b, (CpuSet{2, 3}));
  EXPECT_TRUE((a & c).empty());
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_FALSE(a.overlaps(c));
  EXPECT_FALSE(a.overlaps(CpuSet{}));
  CpuSet d;
  d |= c;
  d |= CpuSet{1};
  d.insert(1);
  EXPECT_EQ(d, (CpuSet{1, 7}));
  EXPECT_TRUE(d.contains(7));
  EXPECT_FALSE(d.contains(2));
  EXPECT_EQ(d.first(), 1);
  EXPECT_EQ(CpuSet::range(2, 5), (CpuSet{2, 3, 4, 5}));
}

TEST(ThisThread, RunsInsideItsOwnMaskOnACpuOfTheNode) {
  const CpuSet mask = tessera::affinity::current_affinity();
  const auto node = tessera::topology::Topology::live();
  const CpuSet cpus = node.cpus();
  ASSERT_FALSE(mask.empty());
  ASSERT_FALSE(cpus.empty());
  EXPECT_EQ(mask & cpus, mask) << "mask " << format_cpu_list(mask) << " node " << format_cpu_list(cpus);
  const int cpu = tessera::affinity::current_cpu();
  ASSERT_GE(cpu, 0);
  EXPECT_TRUE(mask.contains(cpu)) << "cpu " << cpu << " mask " << format_cpu_list(mask);
}

TEST(ThisThread, CoresAreRepresentativesFromTheMask) {
  const CpuSet mask = tessera::affinity::current_affinity();
  const auto node = tessera::topology::Topology::live();
  const CpuSet cores = node.cores_of(mask);
  ASSERT_FALSE(cores.empty());
  EXPECT_LE(cores.size(), mask.size());
  // A representative is the lowest SMT sibling of its core, and its own representative.
  EXPECT_EQ(node.cores_of(cores), cores);
}
