// tessera/core/placement.hpp: where every rank and thread of a job runs, and the classic
// pinning mistakes found in that picture. The checks are pure functions over records, so they
// can be tested on synthetic placements; gathering the records is the caller's job.
#pragma once
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "tessera/core/affinity.hpp"
#include "tessera/core/topology.hpp"

namespace tessera::placement {

// One OpenMP thread of one rank.
struct ThreadPlacement {
  std::string host;
  int rank = 0;
  int local_rank = 0;        // index among the ranks of this host
  int thread = 0;            // OpenMP thread number
  int num_threads = 1;       // threads this rank meant to run (omp_get_max_threads)
  int cpu = -1;              // CPU the thread was on when sampled; -1 unknown
  affinity::CpuSet mask;     // CPUs the thread may run on
  affinity::CpuSet cores;    // one representative CPU per physical core of `mask`
  affinity::CpuSet host_cpus;  // CPUs online on the host (a mask equal to it is "unbound")
  int gpu = -1;              // CUDA device of the rank; -1 none
  std::string gpu_name;
  std::string gpu_bus_id;
  // From the host's topology (annotate()): the packages, NUMA nodes and L3 groups of `mask`; the
  // NUMA nodes of the rank's whole mask, and those near its GPU (empty: no GPU or unknown).
  affinity::CpuSet packages, numa, l3, rank_numa, gpu_numa;
};

// Records as the report writes them: CPU sets as lists ("0-3,8").
void to_json(nlohmann::json& j, const ThreadPlacement& p);
void from_json(const nlohmann::json& j, ThreadPlacement& p);

// Sorts by host, rank, thread (the order of the printed table).
void sort_records(std::vector<ThreadPlacement>& records);

// Problems with the gathered table itself; empty when every rank 0..nranks-1 reported each of
// its num_threads threads exactly once, and nothing else was reported.
std::vector<std::string> check_complete(const std::vector<ThreadPlacement>& records, int nranks);

struct Warning {
  std::string id;       // stable short id: single-core-rank, shared-cpu, oversubscribed, overlapping-ranks,
                        // numa-spread, gpu-far, numa-imbalance, smt-siblings, nic-far
  std::string host;
  std::string message;  // one human line
  std::string hint;     // how to fix it
  std::string severity = "warning";  // "warning" (fails --strict) or "info"
};
void to_json(nlohmann::json& j, const Warning& w);

// The classic mistakes, at most one warning per rule and host (lists are shortened):
//   single-core-rank   a rank runs more than one thread, and all of its threads together may
//                      use only one physical core (one CPU, or the SMT siblings of one core);
//   shared-cpu         two or more threads on one host are each pinned to the same single CPU;
//   oversubscribed     more threads on a host than CPUs in the union of their masks;
//   overlapping-ranks  two ranks on one host whose masks share CPUs. Ranks that are both
//                      unbound (mask = every online CPU, e.g. mpirun --bind-to none) are left
//                      alone: sharing is what unbinding asks for, and `oversubscribed` still
//                      reports too many threads.
// Ordered by rule (as listed), then host. Deterministic for a given set of records.
std::vector<Warning> check_placement(const std::vector<ThreadPlacement>& records);

using Topologies = std::map<std::string, topology::Topology>;  // by host

// Fills cores, packages, numa, l3, rank_numa and gpu_numa of every record from its host's
// topology (records of a host missing from the map keep what they have; a GPU is found by its bus
// id, else as the rank's device index among the topology's GPUs). UsageError when a record names a
// CPU the topology lacks.
void annotate(std::vector<ThreadPlacement>& records, const Topologies& topologies);

// What only the topology shows, at most one finding per rule and host:
//   numa-spread     a rank's threads span more than one NUMA node or package although its threads
//                   would fit on the cores of one NUMA node;
//   gpu-far         a rank's GPU hangs off a NUMA node none of its threads may run on;
//   numa-imbalance  the ranks of a host (each within one NUMA node) spread unevenly over its NUMA
//                   nodes or packages: counts differing by more than one;
//   smt-siblings    two threads of a rank pinned to SMT siblings of one core while a whole core
//                   of the rank's mask runs none;
//   nic-far         (info) no thread of a rank may run near any of the host's NICs.
// Run on annotated records (annotate()).
std::vector<Warning> check_topology(const std::vector<ThreadPlacement>& records, const Topologies& topologies);

// A placement of `ranks` ranks x `threads` threads (and `gpus` GPUs per rank) on one node of
// topology `t` that check_placement and check_topology find nothing wrong with, and the options
// that give it.
struct Suggestion {
  std::vector<ThreadPlacement> records;  // the table it gives, host `host`
  std::string mpirun, srun, omp;         // options to type
  std::string rankfile;                  // Open MPI rankfile (physical CPUs, host `host`) when the short form cannot say it
  std::string plan;                      // one line: what goes where
};
// UsageError (exit 2) when none exists, saying why (more threads than PUs, more GPUs than the node has,
// a rank's GPUs not near it).
Suggestion suggest(const topology::Topology& t, int ranks, int threads, int gpus_per_rank,
                   const std::string& host = "node");

namespace detail {
// Items joined by ", ", at most `show` of them, then "and N more" (the findings' lists).
std::string join_some(const std::vector<std::string>& items, size_t show = 4);
}  // namespace detail

}  // namespace tessera::placement
