#include "tessera/mpi/check.hpp"

#include <string>

namespace tessera::mpi {

std::string error_string(int code) {
  char buf[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(code, buf, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(buf, static_cast<size_t>(len));
}

void throw_mpi_error(int code, const char* call, const char* file, int line) {
  std::string name(call);
  const auto paren = name.find('(');
  if (paren != std::string::npos) name.resize(paren);
  throw Error(name + " failed: " + error_string(code) + " (" + file + ":" + std::to_string(line) + ")",
              ExitCode::runtime);
}

}  // namespace tessera::mpi
