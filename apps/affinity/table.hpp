// table.hpp: the placement table as rank 0 prints it.
#pragma once
#include <string>
#include <vector>

#include "tessera/core/placement.hpp"

namespace affinity_app {

// One block per host: a line with the host's topology (when known), then one line per rank/thread
// in the order given, with a header; columns sized to fit. The package, NUMA and L3 columns show
// what each thread's mask covers; the GPU column (with the NUMA nodes near the GPU) appears only
// when some rank has a device.
std::string format_table(const std::vector<tessera::placement::ThreadPlacement>& records,
                         const tessera::placement::Topologies& topologies = {});

}  // namespace affinity_app
