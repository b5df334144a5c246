#include "tessera/core/version.hpp"

#include <mpi.h>

#include "tessera/core/build_config.hpp"

namespace tessera {

std::string version() { return TESSERA_VERSION; }
std::string git_hash() { return TESSERA_GIT_HASH; }

namespace {
bool have_cuda() {
#ifdef TESSERA_HAVE_CUDA
  return true;
#else
  return false;
#endif
}
bool have_openmp() {
#ifdef TESSERA_HAVE_OPENMP
  return true;
#else
  return false;
#endif
}
}  // namespace

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<size_t>(len));
  const auto nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string version_line() {
  return std::string("tessera ") + TESSERA_VERSION + " (" + TESSERA_GIT_HASH + ") " + TESSERA_BUILD_TYPE +
         ", " + TESSERA_CXX_COMPILER + ", CUDA " + (have_cuda() ? "on" : "off") + ", OpenMP " +
         (have_openmp() ? "on" : "off");
}

nlohmann::json build_info() {
  int mpi_major = 0, mpi_minor = 0;
  MPI_Get_version(&mpi_major, &mpi_minor);
  return {
      {"version", TESSERA_VERSION},
      {"git_hash", TESSERA_GIT_HASH},
      {"build_type", TESSERA_BUILD_TYPE},
      {"compiler", TESSERA_CXX_COMPILER},
      {"cuda", have_cuda()},
      {"cuda_architectures", have_cuda() ? TESSERA_CUDA_ARCHITECTURES : ""},
      {"openmp", have_openmp()},
      {"sanitize", std::string(TESSERA_OPTION_SANITIZE) == "ON"},
      {"hdf5", TESSERA_HDF5_VERSION},
      {"mpi_standard", std::to_string(mpi_major) + "." + std::to_string(mpi_minor)},
      {"mpi_library", mpi_library_version()},
  };
}

}  // namespace tessera
