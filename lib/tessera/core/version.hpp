// tessera/core/version.hpp: version and build information (git hash, options, compiler).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tessera {

std::string version();       // "0.1.0"
std::string git_hash();      // short hash, "-dirty" when built from a modified tree
// One line: "tessera 0.1.0 (abc123) Release, GNU 12.2.0, CUDA on, OpenMP on"
std::string version_line();
// Everything known about the build (no MPI here: core uses no MPI; tessera::mpi::build_info() adds
// the MPI standard and library), for reports and HDF5 provenance.
nlohmann::json build_info();

}  // namespace tessera
