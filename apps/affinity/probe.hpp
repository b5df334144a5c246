// probe.hpp: what one rank finds out about itself: a placement record per OpenMP thread and the
// OpenMP settings it sees.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tessera/core/placement.hpp"

namespace affinity_app {

struct RankIdentity {
  std::string host;
  int rank = 0;
  int local_rank = 0;
  int gpu = -1;  // device chosen for this rank, -1 none
  std::string gpu_name, gpu_bus_id;
};

// Runs one OpenMP parallel region with the default number of threads; every thread spins for
// `hold_seconds` (0: not at all), waits for the others, then records its CPU and affinity mask.
// Records come back ordered by thread number.
// `node`: this host's topology (the online CPUs, the cores of each mask).
std::vector<tessera::placement::ThreadPlacement> probe_threads(const RankIdentity& who, double hold_seconds,
                                                               const tessera::topology::Topology& node);

// OMP_NUM_THREADS, OMP_PLACES, OMP_PROC_BIND as this rank sees them ("(unset)" when absent),
// and the binding the OpenMP runtime applies (omp_get_proc_bind: "false", "true", "close", ...).
nlohmann::json openmp_settings();

}  // namespace affinity_app
