// tessera/mpi/check.hpp: every MPI call's return code checked; failures throw tessera::Error.
#pragma once
#include <mpi.h>

#include <string>

#include "tessera/core/error.hpp"

namespace tessera::mpi {

// "MPI_Isend failed: MPI_ERR_RANK: invalid rank"
std::string error_string(int code);
[[noreturn]] void throw_mpi_error(int code, const char* call, const char* file, int line);

}  // namespace tessera::mpi

#define TESSERA_MPI_CHECK(call)                                                     \
  do {                                                                              \
    const int tessera_mpi_rc_ = (call);                                             \
    if (tessera_mpi_rc_ != MPI_SUCCESS)                                             \
      ::tessera::mpi::throw_mpi_error(tessera_mpi_rc_, #call, __FILE__, __LINE__);  \
  } while (0)
