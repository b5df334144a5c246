#include "tessera/mpi/version.hpp"

#include <mpi.h>

#include "tessera/core/version.hpp"

namespace tessera::mpi {

std::string library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<size_t>(len));
  const auto nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string standard_version() {
  int major = 0, minor = 0;
  MPI_Get_version(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

nlohmann::json build_info() {
  nlohmann::json b = tessera::build_info();
  b["mpi_standard"] = standard_version();
  b["mpi_library"] = library_version();
  return b;
}

}  // namespace tessera::mpi
