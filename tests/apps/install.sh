#!/usr/bin/env bash
# cmake --install into a scratch prefix, then examples/ (a separate project, as a user's would be)
# finds it with find_package(Tessera), builds against it, and every example runs on 2 ranks: exit 0,
# the verdict line VERIFIED, a report with "verified": true; and with the hidden --test-break (the
# computed result corrupted) the verdict FAILED, exit 1, "verified": false. Also checks that the
# programs and headers were installed.
source "$(dirname "$0")/lib.sh"
BUILD=${TESSERA_BUILD_DIR:?}
PREFIX=$WORK/prefix
expect_rc 0 "cmake --install" cmake --install "$BUILD" --prefix "$PREFIX"
expect_file "$PREFIX/lib/cmake/Tessera/TesseraConfig.cmake" "TesseraConfig.cmake installed"
expect_file "$PREFIX/include/tessera/array/dist_array.hpp" "headers installed"
expect_file "$PREFIX/include/tessera/core/build_config.hpp" "generated header installed"
expect_file "$PREFIX/include/tessera/program/program.hpp" "program skeleton installed"
expect_file "$PREFIX/bin/tessera-affinity" "programs installed"
expect_rc 0 "configure examples/ against the installed tree" cmake -S "$TESSERA_SOURCE_DIR/examples" -B "$WORK/examples" \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=None  # None: no -O3, a build twice as fast
expect_rc 0 "build examples/" cmake --build "$WORK/examples" -j 2

# report_says FILE true|false: the report follows docs/report-schema.json and says "verified": true|false
report_says() {
  if /usr/bin/python3 -c 'import json,sys,jsonschema; r=json.load(open(sys.argv[1]))
jsonschema.validate(r, json.load(open(sys.argv[3])), cls=jsonschema.Draft202012Validator)
assert r["verified"] is (sys.argv[2]=="true"), r["verified"]' "$1" "$2" "$TESSERA_SOURCE_DIR/docs/report-schema.json"
  then ok "$(basename "$1"): the report schema, \"verified\": $2"; else fail "$(basename "$1"): not the schema or \"verified\" is not $2"; fi
}
# example NAME [ARGS...]: a verified run, then a broken one
example() {
  local name=$1
  shift
  local exe=$WORK/examples/tessera-example-$name
  expect_rc 0 "$name on 2 ranks" mpi 2 "$exe" --report "$WORK/$name.json" "$@"
  expect_contains "^VERIFIED$" "$name: VERIFIED"
  report_says "$WORK/$name.json" true
  expect_rc 1 "$name --test-break on 2 ranks" mpi 2 "$exe" --report "$WORK/$name-broken.json" --test-break "$@"
  expect_contains "^FAILED \(" "$name --test-break: FAILED"
  report_says "$WORK/$name-broken.json" false
}
example factorials --count 1000
OMP_NUM_THREADS=2 example threads
example overlap
example squares
example squares --value 3   # squaring that differs from doing nothing: N v^2 = 9e6
example matmul
finish
