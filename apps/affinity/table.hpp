// table.hpp: the placement table as rank 0 prints it.
#pragma once
#include <string>
#include <vector>

#include "tessera/core/placement.hpp"

namespace affinity_app {

// One line per rank/thread in the order given, with a header; columns sized to fit. The GPU
// column appears only when some rank has a device.
std::string format_table(const std::vector<tessera::placement::ThreadPlacement>& records);

}  // namespace affinity_app
