// tessera/core/placement.hpp: where every rank and thread of a job runs, and the classic
// pinning mistakes found in that picture. The checks are pure functions over records, so they
// can be tested on synthetic placements; gathering the records is the caller's job.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tessera/core/affinity.hpp"

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
  std::string id;       // stable short id: single-core-rank, shared-cpu, oversubscribed, overlapping-ranks
  std::string host;
  std::string message;  // one human line
  std::string hint;     // how to fix it
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

}  // namespace tessera::placement
