// tessera/core/version.hpp: version and build information (git hash, options, compiler, MPI library).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tessera {

std::string version();       // "0.1.0"
std::string git_hash();      // short hash, "-dirty" when built from a modified tree
// One line: "tessera 0.1.0 (abc123) Release, GNU 12.2.0, CUDA on, OpenMP on"
std::string version_line();
// Everything known about the build and the MPI library, for reports and HDF5 provenance.
nlohmann::json build_info();
// The MPI library's own version string (first line), e.g. "Open MPI v4.1.4, ...".
std::string mpi_library_version();

}  // namespace tessera
