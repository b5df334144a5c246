# Every dependency comes from the distribution (or a cluster module); nothing is vendored.
find_package(MPI REQUIRED COMPONENTS C CXX)

if(TESSERA_ENABLE_OPENMP)
  find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()

# Parallel HDF5. On Debian the MPI build lives under .../hdf5/openmpi; point FindHDF5 at it
# unless the user gave HDF5_DIR / HDF5_ROOT (clusters: module load hdf5-parallel).
if(NOT HDF5_ROOT AND NOT DEFINED ENV{HDF5_ROOT} AND NOT HDF5_DIR AND NOT DEFINED ENV{HDF5_DIR})
  if(EXISTS /usr/lib/x86_64-linux-gnu/hdf5/openmpi)
    set(HDF5_ROOT /usr/lib/x86_64-linux-gnu/hdf5/openmpi)
    set(HDF5_C_COMPILER_EXECUTABLE /usr/bin/h5pcc)
  endif()
elseif(NOT HDF5_ROOT AND (HDF5_DIR OR DEFINED ENV{HDF5_DIR}))
  if(HDF5_DIR)
    set(HDF5_ROOT ${HDF5_DIR})
  else()
    set(HDF5_ROOT $ENV{HDF5_DIR})
  endif()
endif()
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "Tessera needs a parallel (MPI) build of HDF5, but the HDF5 found (${HDF5_C_INCLUDE_DIRS}) is serial.\n"
    "On Debian/Ubuntu: apt-get install libhdf5-openmpi-dev. On a cluster: module load a parallel hdf5 "
    "and pass HDF5_DIR=<its prefix>.")
endif()

set(BLA_VENDOR OpenBLAS)
find_package(BLAS)
if(NOT BLAS_FOUND)
  unset(BLA_VENDOR)
  find_package(BLAS REQUIRED)
endif()
find_path(TESSERA_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread REQUIRED)

find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(fmt REQUIRED)
find_package(PNG REQUIRED)
find_package(pugixml REQUIRED)  # XML of the .xmf sidecars (io/validate)
find_package(Threads REQUIRED)
# hwloc (the node's topology: core/topology) ships a pkg-config file, no CMake package
find_package(PkgConfig REQUIRED)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
find_library(TESSERA_GMP_LIBRARY gmp)
find_library(TESSERA_GMPXX_LIBRARY gmpxx)
find_path(TESSERA_GMP_INCLUDE_DIR gmpxx.h)
