# Validated, namespaced options (the COSMA / heFFTe way).
set(TESSERA_ENABLE_CUDA AUTO CACHE STRING "Build the CUDA parts: AUTO (when nvcc is found), ON, OFF")
set_property(CACHE TESSERA_ENABLE_CUDA PROPERTY STRINGS AUTO ON OFF)
if(NOT TESSERA_ENABLE_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "TESSERA_ENABLE_CUDA must be AUTO, ON or OFF (got '${TESSERA_ENABLE_CUDA}')")
endif()
option(TESSERA_ENABLE_OPENMP "Use OpenMP threads inside each rank" ON)
option(TESSERA_BUILD_TESTS "Build the GoogleTest suites" ON)
option(TESSERA_BUILD_BENCH "Build the benchmarks in bench/" ON)
option(TESSERA_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
set(TESSERA_MPIEXEC_EXTRA_FLAGS "" CACHE STRING "Extra flags given to mpiexec in tests (e.g. --mca ...)")

set(TESSERA_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter)
if(TESSERA_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX,C>:-fsanitize=address,undefined>
                      $<$<COMPILE_LANGUAGE:CXX,C>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX,C>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=address,undefined)
endif()

# Bits are promised (tests compare results exactly, the stencil's split update must equal the
# fused one, a restart must continue bit for bit): no contraction of a*b+c into an FMA behind the
# source's back, for every C/C++ translation unit and for the host side of CUDA ones. Never
# -ffast-math, -Ofast or -march=native (tests/unit/compile_flags.cmake checks the compile commands).
# nvcc's device code keeps --fmad=true: the GPU kernels' results are compared with the CPU's within
# a rounding bound (tests/gpu), never bit for bit.
add_compile_options($<$<COMPILE_LANGUAGE:CXX,C>:-ffp-contract=off>
                    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-ffp-contract=off>)
