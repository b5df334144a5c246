# Test registration helpers (after heFFTe's heffte_add_mpi_test).
#
#   tessera_add_unit_test(NAME n SOURCES a.cpp ... [LABELS l ...])
#       a GoogleTest binary without MPI; label `unit`.
#   tessera_add_mpi_test(NAME n SOURCES a.cpp ... RANKS 1 2 4 [LABELS l ...] [TIMEOUT s])
#       one binary with Tessera's MPI-aware gtest main, registered once per rank count as
#       n.npK with PROCESSORS K, so `ctest -j` never oversubscribes the machine, and (with 2 among
#       the rank counts) as n.np2.omp2 with 2 OpenMP threads per rank; label `mpi`.
#   tessera_add_mpi_ranks(NAME n TARGET t RANKS 5 7 [ARGS a ...] [LABELS l ...] [TIMEOUT s])
#       an existing MPI test binary registered at more rank counts (n.npK), with extra arguments
#       (e.g. --gtest_filter=...: only the tests meant for those ranks); label `mpi`.
#   tessera_add_script_test(NAME n SCRIPT file.sh [PROCESSORS k] [LABELS l ...] [TIMEOUT s])
#       an end-to-end bash script; it gets the launcher and the build paths in its environment.
#
# Launcher details (root, --oversubscribe) live here, in the test environment, never in the library.
include_guard(GLOBAL)

execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _tessera_mpiexec_version
                ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
set(TESSERA_MPIEXEC_IS_OPENMPI OFF)
if(_tessera_mpiexec_version MATCHES "Open MPI|OpenRTE")
  set(TESSERA_MPIEXEC_IS_OPENMPI ON)
endif()

set(TESSERA_TEST_MPIEXEC_FLAGS ${MPIEXEC_PREFLAGS})
if(TESSERA_MPIEXEC_IS_OPENMPI)
  # more ranks than cores is fine for correctness tests; --bind-to none lets OpenMP threads spread.
  list(APPEND TESSERA_TEST_MPIEXEC_FLAGS --oversubscribe --bind-to none)
endif()
if(TESSERA_MPIEXEC_EXTRA_FLAGS)
  separate_arguments(_extra UNIX_COMMAND "${TESSERA_MPIEXEC_EXTRA_FLAGS}")
  list(APPEND TESSERA_TEST_MPIEXEC_FLAGS ${_extra})
endif()

set(TESSERA_TEST_ENVIRONMENT
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_rmaps_base_oversubscribe=1
    OMPI_MCA_btl_vader_single_copy_mechanism=none
    PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    # Open MPI unloads its components at MPI_Finalize; keep them so leak stacks resolve to a module
    # that the suppression file can name, and unwind slowly so those frames are found at all.
    OMPI_MCA_mca_base_component_disable_dlclose=1
    LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/support/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_odr_violation=0
    UBSAN_OPTIONS=print_stacktrace=1)

# Every unit and MPI test binary, so that a build of only those is one target (tessera_unit_mpi_tests:
# what `make -f Makefile.hpc test-debug` builds under the sanitizers; the programs are not needed).
set_property(GLOBAL PROPERTY TESSERA_UNIT_MPI_TESTS "")

function(tessera_add_unit_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  set_property(GLOBAL APPEND PROPERTY TESSERA_UNIT_MPI_TESTS ${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE tessera::tessera GTest::gtest GTest::gtest_main ${T_LIBS})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  # test data: the hwloc XML nodes of tests/topologies
  target_compile_definitions(${T_NAME} PRIVATE TESSERA_TOPOLOGY_DIR="${PROJECT_SOURCE_DIR}/tests/topologies")
  target_compile_options(${T_NAME} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_WARNINGS}>)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "${TESSERA_TEST_ENVIRONMENT}")
endfunction()

function(tessera_add_mpi_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;RANKS;LABELS;LIBS" ${ARGN})
  if(NOT T_RANKS)
    set(T_RANKS 1 2 4)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  set_property(GLOBAL APPEND PROPERTY TESSERA_UNIT_MPI_TESTS ${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE tessera::tessera tessera_gtest_mpi_main ${T_LIBS})
  target_compile_options(${T_NAME} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_WARNINGS}>)
  tessera_add_mpi_ranks(NAME ${T_NAME} TARGET ${T_NAME} RANKS ${T_RANKS} LABELS ${T_LABELS} TIMEOUT ${T_TIMEOUT})
  # and once with 2 OpenMP threads per rank (2 ranks, uneven 3 where the binary is registered at 3):
  # thread-count independence is tested under MPI, not only in the threads' own unit tests
  if(TESSERA_ENABLE_OPENMP AND "2" IN_LIST T_RANKS)
    set(_env ${TESSERA_TEST_ENVIRONMENT})
    list(TRANSFORM _env REPLACE "^OMP_NUM_THREADS=1$" "OMP_NUM_THREADS=2")
    add_test(NAME ${T_NAME}.np2.omp2
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${TESSERA_TEST_MPIEXEC_FLAGS}
                     $<TARGET_FILE:${T_NAME}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${T_NAME}.np2.omp2 PROPERTIES
                         PROCESSORS 4 LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${_env}")
  endif()
endfunction()

function(tessera_add_mpi_ranks)
  cmake_parse_arguments(T "" "NAME;TARGET;TIMEOUT" "RANKS;ARGS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  foreach(np IN LISTS T_RANKS)
    add_test(NAME ${T_NAME}.np${np}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${TESSERA_TEST_MPIEXEC_FLAGS}
                     $<TARGET_FILE:${T_TARGET}> ${MPIEXEC_POSTFLAGS} ${T_ARGS})
    set_tests_properties(${T_NAME}.np${np} PROPERTIES
                         PROCESSORS ${np} LABELS "mpi;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                         ENVIRONMENT "${TESSERA_TEST_ENVIRONMENT}")
  endforeach()
endfunction()

function(tessera_add_script_test)
  cmake_parse_arguments(T "" "NAME;SCRIPT;PROCESSORS;TIMEOUT" "LABELS" ${ARGN})
  if(NOT T_PROCESSORS)
    set(T_PROCESSORS 2)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  string(REPLACE ";" " " _flags "${TESSERA_TEST_MPIEXEC_FLAGS}")
  add_test(NAME ${T_NAME} COMMAND bash ${T_SCRIPT})
  # exit 77: skipped, with the reason on stdout (a script test that cannot run here)
  set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77
    PROCESSORS ${T_PROCESSORS} LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${TESSERA_TEST_ENVIRONMENT};TESSERA_BIN_DIR=${PROJECT_BINARY_DIR}/bin;TESSERA_SOURCE_DIR=${PROJECT_SOURCE_DIR};TESSERA_BUILD_DIR=${PROJECT_BINARY_DIR};MPIEXEC=${MPIEXEC_EXECUTABLE};MPIEXEC_FLAGS=${_flags};TESSERA_HAVE_CUDA=${TESSERA_HAVE_CUDA}")
endfunction()
