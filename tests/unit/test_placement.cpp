// The placement checks on synthetic records: each warning rule, its negatives, completeness of
// the gathered table, and the JSON form of a record.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tessera/core/placement.hpp"

using tessera::affinity::CpuSet;
using tessera::affinity::parse_cpu_list;
using tessera::placement::check_complete;
using tessera::placement::check_placement;
using tessera::placement::ThreadPlacement;
using tessera::placement::Warning;

namespace {

// A record on a host with CPUs 0-7 online and no SMT (each CPU its own core) unless told.
ThreadPlacement rec(const std::string& host, int rank, int thread, int threads, const std::string& mask,
                    const std::string& cores = "", const std::string& online = "0-7") {
  ThreadPlacement p;
  p.host = host;
  p.rank = rank;
  p.local_rank = rank;
  p.thread = thread;
  p.num_threads = threads;
  p.mask = parse_cpu_list(mask);
  p.cpu = p.mask.first();
  p.cores = cores.empty() ? p.mask : parse_cpu_list(cores);
  p.host_cpus = parse_cpu_list(online);
  return p;
}

std::vector<std::string> ids(const std::vector<Warning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.id);
  return out;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST(Placement, WellPinnedJobHasNoWarnings) {
  // 2 hosts x 2 ranks x 2 threads, every thread on a core of its own.
  std::vector<ThreadPlacement> r;
  for (const char* host : {"n1", "n2"})
    for (int rank = 0; rank < 2; ++rank)
      for (int t = 0; t < 2; ++t) r.push_back(rec(host, rank, t, 2, std::to_string(2 * rank + t)));
  EXPECT_EQ(ids(check_placement(r)), Ids{});
}

TEST(Placement, UnboundSingleRankWithFewerThreadsThanCpusIsFine) {
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 2, "0-7"), rec("n", 0, 1, 2, "0-7")};
  EXPECT_EQ(ids(check_placement(r)), Ids{});
}

TEST(Placement, SingleCoreRankIsFlaggedWithItsThreadCountInTheHint) {
  // mpirun's default --bind-to core with OMP_NUM_THREADS=4 on an SMT-2 node: the rank's mask is
  // the two hardware threads of core 0, so this is only the single-core rule (4 threads > 2 CPUs
  // also oversubscribes).
  std::vector<ThreadPlacement> r;
  for (int t = 0; t < 4; ++t) r.push_back(rec("n", 0, t, 4, "0,64", "0", "0-127"));
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), (Ids{"single-core-rank", "oversubscribed"}));
  EXPECT_NE(ws[0].message.find("rank 0 (4 threads, CPUs 0,64)"), std::string::npos) << ws[0].message;
  EXPECT_NE(ws[0].hint.find("PE=4"), std::string::npos) << ws[0].hint;
  EXPECT_NE(ws[0].hint.find("--cpu-bind=cores -c 4"), std::string::npos) << ws[0].hint;
  EXPECT_EQ(ws[0].host, "n");
}

TEST(Placement, SingleCoreRankOnlyWhenTheRankHasSeveralThreads) {
  // One thread per rank on one core each is correct pinning.
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 1, "0"), rec("n", 1, 0, 1, "1")};
  EXPECT_EQ(ids(check_placement(r)), Ids{});
  // Two threads spanning two cores are fine too.
  std::vector<ThreadPlacement> s{rec("n", 0, 0, 2, "0-1"), rec("n", 0, 1, 2, "0-1")};
  EXPECT_EQ(ids(check_placement(s)), Ids{});
}

TEST(Placement, BindToCoreWithTwoThreadsRaisesAllThreeSymptoms) {
  // What `mpirun -np 1 --bind-to core` with OMP_NUM_THREADS=2 gives on a node without SMT.
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 2, "0"), rec("n", 0, 1, 2, "0")};
  EXPECT_EQ(ids(check_placement(r)), (Ids{"single-core-rank", "shared-cpu", "oversubscribed"}));
}

TEST(Placement, SharedCpuAcrossRanks) {
  // Two single-threaded ranks pinned to the same CPU 5 (they also overlap and oversubscribe it).
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 1, "5"), rec("n", 1, 0, 1, "5"), rec("n", 2, 0, 1, "6")};
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), (Ids{"shared-cpu", "oversubscribed", "overlapping-ranks"}));
  EXPECT_NE(ws[0].message.find("CPU 5 (rank 0 thread 0, rank 1 thread 0)"), std::string::npos) << ws[0].message;
  EXPECT_EQ(ws[0].message.find("CPU 6"), std::string::npos) << ws[0].message;
}

TEST(Placement, SameCpuNumberOnDifferentHostsIsNotShared) {
  std::vector<ThreadPlacement> r{rec("a", 0, 0, 1, "0"), rec("b", 1, 0, 1, "0")};
  EXPECT_EQ(ids(check_placement(r)), Ids{});
}

TEST(Placement, OversubscribedCountsThreadsAgainstTheUnionOfMasks) {
  // Three threads that may use two CPUs.
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 3, "0-1"), rec("n", 0, 1, 3, "0-1"), rec("n", 0, 2, 3, "0-1")};
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), Ids{"oversubscribed"});
  EXPECT_NE(ws[0].message.find("3 threads share 2 CPUs (0-1)"), std::string::npos) << ws[0].message;
  // Exactly as many threads as CPUs is fine.
  r.pop_back();
  for (auto& p : r) p.num_threads = 2;
  EXPECT_EQ(ids(check_placement(r)), Ids{});
}

TEST(Placement, OversubscriptionIsPerHost) {
  // Four unbound threads over two hosts of two CPUs each: fine; all four on one host: not.
  std::vector<ThreadPlacement> r{rec("a", 0, 0, 2, "0-1", "", "0-1"), rec("a", 0, 1, 2, "0-1", "", "0-1"),
                                 rec("b", 1, 0, 2, "0-1", "", "0-1"), rec("b", 1, 1, 2, "0-1", "", "0-1")};
  EXPECT_EQ(ids(check_placement(r)), Ids{});
  for (auto& p : r) p.host = "a";
  EXPECT_EQ(ids(check_placement(r)), Ids{"oversubscribed"});
}

TEST(Placement, OverlappingRanksNamesThePairAndTheSharedCpus) {
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 1, "0-3"), rec("n", 1, 0, 1, "2-5"), rec("n", 2, 0, 1, "6-7")};
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), Ids{"overlapping-ranks"});
  EXPECT_NE(ws[0].message.find("1 pair of ranks share CPUs: ranks 0 and 1 (CPUs 2-3)"), std::string::npos)
      << ws[0].message;
}

TEST(Placement, OverlapUsesTheUnionOfEachRanksThreads) {
  // Rank 0's threads are on 0 and 1, rank 1's on 1 and 2 (pinned per thread): they meet on CPU 1.
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 2, "0"), rec("n", 0, 1, 2, "1"), rec("n", 1, 0, 2, "2-3"),
                                 rec("n", 1, 1, 2, "1,4")};
  EXPECT_EQ(ids(check_placement(r)), Ids{"overlapping-ranks"});
}

TEST(Placement, UnboundRanksDoNotCountAsOverlapping) {
  // mpirun --bind-to none: every rank may use every online CPU; that sharing is asked for.
  std::vector<ThreadPlacement> r{rec("n", 0, 0, 1, "0-7"), rec("n", 1, 0, 1, "0-7")};
  EXPECT_EQ(ids(check_placement(r)), Ids{});
  // One bound rank among unbound ones does overlap them.
  r.push_back(rec("n", 2, 0, 1, "3"));
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), Ids{"overlapping-ranks"});
  EXPECT_NE(ws[0].message.find("2 pairs of ranks"), std::string::npos) << ws[0].message;
  // Ranks confined to a cgroup smaller than the host are bound, and so overlap.
  std::vector<ThreadPlacement> s{rec("n", 0, 0, 1, "0-3"), rec("n", 1, 0, 1, "0-3")};
  EXPECT_EQ(ids(check_placement(s)), Ids{"overlapping-ranks"});
}

TEST(Placement, LongListsAreShortened) {
  std::vector<ThreadPlacement> r;
  for (int rank = 0; rank < 6; ++rank) r.push_back(rec("n", rank, 0, 1, "0-6"));  // 15 pairs overlap
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), Ids{"overlapping-ranks"});
  EXPECT_NE(ws[0].message.find("15 pairs of ranks"), std::string::npos) << ws[0].message;
  EXPECT_NE(ws[0].message.find("and 11 more"), std::string::npos) << ws[0].message;
}

TEST(Placement, OneWarningPerRuleAndHostInRuleThenHostOrder) {
  std::vector<ThreadPlacement> r;
  for (const char* host : {"b", "a"})
    for (int t = 0; t < 2; ++t) r.push_back(rec(host, host[0] == 'a' ? 0 : 1, t, 2, "0"));
  const auto ws = check_placement(r);
  ASSERT_EQ(ids(ws), (Ids{"single-core-rank", "single-core-rank", "shared-cpu", "shared-cpu", "oversubscribed",
                          "oversubscribed"}));
  EXPECT_EQ(ws[0].host, "a");
  EXPECT_EQ(ws[1].host, "b");
  for (const auto& w : ws) {
    EXPECT_FALSE(w.message.empty());
    EXPECT_FALSE(w.hint.empty());
  }
}

TEST(Placement, ResultDoesNotDependOnRecordOrder) {
  std::vector<ThreadPlacement> r;
  for (int rank = 0; rank < 4; ++rank)
    for (int t = 0; t < 3; ++t) r.push_back(rec(rank < 2 ? "x" : "y", rank, t, 3, rank % 2 ? "1" : "0-2"));
  const auto reference = check_placement(r);
  ASSERT_FALSE(reference.empty());
  std::mt19937 rng(42);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(r.begin(), r.end(), rng);
    const auto ws = check_placement(r);
    ASSERT_EQ(ws.size(), reference.size());
    for (size_t k = 0; k < ws.size(); ++k) {
      EXPECT_EQ(ws[k].id, reference[k].id);
      EXPECT_EQ(ws[k].message, reference[k].message);
    }
  }
}

TEST(Complete, EveryRankAndThreadExactlyOnce) {
  std::vector<ThreadPlacement> r;
  for (int rank = 0; rank < 3; ++rank)
    for (int t = 0; t < 2; ++t) r.push_back(rec("n", rank, t, 2, "0-7"));
  EXPECT_TRUE(check_complete(r, 3).empty());

  auto missing_thread = r;
  missing_thread.erase(missing_thread.begin() + 3);  // rank 1 thread 1
  auto p = check_complete(missing_thread, 3);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("rank 1 thread 1 is missing"), std::string::npos) << p[0];

  auto twice = r;
  twice[3].thread = 0;  // rank 1 reports thread 0 twice and thread 1 never
  EXPECT_EQ(check_complete(twice, 3).size(), 2u);

  auto beyond = r;
  beyond[5].thread = 2;  // thread 2 of a 2-thread rank
  EXPECT_FALSE(check_complete(beyond, 3).empty());

  EXPECT_FALSE(check_complete(r, 4).empty());  // rank 3 reported nothing
  EXPECT_FALSE(check_complete(r, 2).empty());  // rank 2 should not exist

  auto inconsistent = r;
  inconsistent[1].num_threads = 3;
  EXPECT_FALSE(check_complete(inconsistent, 3).empty());
}

TEST(Complete, SortsByHostRankThread) {
  std::vector<ThreadPlacement> r{rec("b", 0, 1, 2, "0"), rec("a", 2, 0, 1, "0"), rec("b", 0, 0, 2, "0"),
                                 rec("a", 1, 0, 1, "0")};
  tessera::placement::sort_records(r);
  EXPECT_EQ(r[0].host + std::to_string(r[0].rank), "a1");
  EXPECT_EQ(r[1].host + std::to_string(r[1].rank), "a2");
  EXPECT_EQ(r[2].thread, 0);
  EXPECT_EQ(r[3].thread, 1);
}

TEST(PlacementJson, RoundTripsWithCpuLists) {
  ThreadPlacement p = rec("node-7", 3, 1, 4, "0-3,8", "0-1", "0-15");
  p.gpu = 1;
  p.gpu_name = "Some GPU";
  p.gpu_bus_id = "0000:1b:00.0";
  const nlohmann::json j = p;
  EXPECT_EQ(j["mask"], "0-3,8");
  EXPECT_EQ(j["host_cpus"], "0-15");
  EXPECT_EQ(j["gpu_bus_id"], "0000:1b:00.0");
  const auto q = nlohmann::json::parse(j.dump()).get<ThreadPlacement>();
  EXPECT_EQ(q.host, p.host);
  EXPECT_EQ(q.rank, 3);
  EXPECT_EQ(q.thread, 1);
  EXPECT_EQ(q.num_threads, 4);
  EXPECT_EQ(q.cpu, 0);
  EXPECT_EQ(q.mask, p.mask);
  EXPECT_EQ(q.cores, p.cores);
  EXPECT_EQ(q.host_cpus, p.host_cpus);
  EXPECT_EQ(q.gpu, 1);
  EXPECT_EQ(q.gpu_name, "Some GPU");
  // Without a GPU the name fields are left out.
  p.gpu = -1;
  EXPECT_FALSE(nlohmann::json(p).contains("gpu_name"));
}
