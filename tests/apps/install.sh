#!/usr/bin/env bash
# cmake --install into a scratch prefix, then a separate project finds it with find_package(Tessera),
# builds against it and runs under MPI. Also checks that the programs and headers were installed.
source "$(dirname "$0")/lib.sh"
BUILD=${TESSERA_BUILD_DIR:?}
PREFIX=$WORK/prefix
expect_rc 0 "cmake --install" cmake --install "$BUILD" --prefix "$PREFIX"
expect_file "$PREFIX/lib/cmake/Tessera/TesseraConfig.cmake" "TesseraConfig.cmake installed"
expect_file "$PREFIX/include/tessera/array/dist_array.hpp" "headers installed"
expect_file "$PREFIX/include/tessera/core/build_config.hpp" "generated header installed"
expect_file "$PREFIX/bin/tessera-affinity" "programs installed"
expect_rc 0 "configure the consumer" cmake -S "$TESSERA_SOURCE_DIR/tests/consumer" -B "$WORK/consumer" \
  -DCMAKE_PREFIX_PATH="$PREFIX"
expect_rc 0 "build the consumer" cmake --build "$WORK/consumer" -j 2
expect_rc 0 "run the consumer on 2 ranks" mpi 2 "$WORK/consumer/consumer" "$WORK/c.h5"
expect_contains "VERIFIED" "consumer verified its HDF5 round trip"
finish
