// tessera/mpi/version.hpp: what the MPI library says of itself, beside core's build information.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tessera::mpi {

// The MPI library's own version string (first line), e.g. "Open MPI v4.1.4, ...".
std::string library_version();
// The MPI standard the library implements, e.g. "3.1".
std::string standard_version();
// tessera::build_info() plus "mpi_standard" and "mpi_library".
nlohmann::json build_info();

}  // namespace tessera::mpi
