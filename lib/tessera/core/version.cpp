#include "tessera/core/version.hpp"

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

std::string version_line() {
  return std::string("tessera ") + TESSERA_VERSION + " (" + TESSERA_GIT_HASH + ") " + TESSERA_BUILD_TYPE +
         ", " + TESSERA_CXX_COMPILER + ", CUDA " + (have_cuda() ? "on" : "off") + ", OpenMP " +
         (have_openmp() ? "on" : "off");
}

nlohmann::json build_info() {
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
  };
}

}  // namespace tessera
