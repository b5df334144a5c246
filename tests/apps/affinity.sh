#!/usr/bin/env bash
# End-to-end tests of tessera-affinity: a rank bound to one core with two threads is flagged
# (and fails under --strict), an unbound rank is not, two ranks give a complete table and a JSON
# report, and bad input ends every rank with exit 2 and one line each, without hanging.
set -euo pipefail

BIN="$TESSERA_BIN_DIR/tessera-affinity"
read -r -a FLAGS <<<"$MPIEXEC_FLAGS"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do
    [ -s "$f" ] && { echo "--- $f"; cat "$f"; } >&2
  done
  exit 1
}

# start NAME COMMAND...: runs in the background with a 60 s limit, output in $work/NAME.{out,err}.
# finish NAME EXPECTED_RC: waits for it and checks the exit code. (Failing runs are started
# together: mpirun takes about 2 s to end a job whose ranks exit non-zero.)
start() {
  local name=$1
  shift
  (
    rc=0
    timeout 60 "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
  ) &
}
finish() {
  local name=$1 want=$2 rc
  while [ ! -s "$work/$name.rc" ]; do sleep 0.1; done
  rc=$(cat "$work/$name.rc")
  [ "$rc" -ne 124 ] || fail "$name: timed out (hang?)"
  [ "$rc" -eq "$want" ] || fail "$name: exit code $rc, expected $want"
}
run() {
  start "$1" "${@:3}"
  finish "$1" "$2"
}

# Warning ids in a JSON report, one per line.
warning_ids() {
  python3 -c 'import json,sys; [print(w["id"]) for w in json.load(open(sys.argv[1]))["warnings"]]' "$1"
}

# 1. One rank bound to one core running two threads: single-core-rank, in the output and the
#    report; --strict turns it into FAILED and exit 1. (MPIEXEC_FLAGS holds --bind-to none, so it
#    is left out here; the root/oversubscribe environment is already set by ctest.)
export OMP_NUM_THREADS=2
start core_strict "$MPIEXEC" -np 1 --bind-to core "$BIN" --strict --report "$work/strict.json"
run core 0 "$MPIEXEC" -np 1 --bind-to core "$BIN" --report "$work/core.json"
grep -q '^warning: single-core-rank: ' "$work/core.err" || fail "core: no single-core-rank warning"
grep -q '^warning: single-core-rank: fix: .*--cpu-bind=cores -c 2' "$work/core.err" || fail "core: no hint"
grep -Eq '^placement: [1-9][0-9]* warnings? \(--strict makes them fail\)$' "$work/core.out" || fail "core: the summary should count the warnings"
grep -qx VERIFIED "$work/core.out" || fail "core: warnings without --strict are no failure"
grep -qx single-core-rank <<<"$(warning_ids "$work/core.json")" || fail "core: single-core-rank missing in the report"
python3 - "$work/core.json" <<'PY' || fail "core: report content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["app"] == "affinity" and r["verified"] is True, r
rows = r["table"]
assert [(x["rank"], x["thread"]) for x in rows] == [(0, 0), (0, 1)], rows
cores = rows[0]["cores"]  # one representative CPU per physical core of the mask
assert rows[1]["mask"] == rows[0]["mask"] and cores.isdigit(), rows
assert r["run"]["openmp"]["OMP_NUM_THREADS"] == "2", r["run"]
assert r["run"]["mpi_thread_level"].startswith("MPI_THREAD_"), r["run"]
PY
finish core_strict 1
grep -q '^FAILED' "$work/core_strict.out" || fail "core_strict: no FAILED verdict"
grep -q 'single-core-rank' "$work/core_strict.err" || fail "core_strict: no warning"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["verified"] is False' "$work/strict.json" ||
  fail "core_strict: report should say verified=false"

# 2. The same two threads unbound: no warning, so --strict passes (needs 2 CPUs).
if [ "$(nproc)" -ge 2 ]; then
  run none 0 "$MPIEXEC" -np 1 --bind-to none "$BIN" --strict --report "$work/none.json"
  [ "$(tail -n 1 "$work/none.out")" = "VERIFIED" ] || fail "none: verdict is not a plain VERIFIED"
  ! grep -q '^warning:' "$work/none.err" || fail "none: unexpected warning"
  [ -z "$(warning_ids "$work/none.json")" ] || fail "none: report lists warnings"
else
  echo "skipping the unbound case: fewer than 2 CPUs"
fi

# 3. Two ranks x two threads: a complete table (4 rows) and a report with both ranks.
run two 0 "$MPIEXEC" -np 2 "${FLAGS[@]}" "$BIN" --report "$work/two.json"
rows=$(awk '/^host +rank +local +thread +cpu +mask/ {t = 1; next} /^placement:/ {t = 0} t && NF' "$work/two.out" | wc -l)
[ "$rows" -eq 4 ] || fail "two: table has $rows rows, expected 4"
grep -Eq '^VERIFIED' "$work/two.out" || fail "two: not verified"
python3 - "$work/two.json" <<'PY' || fail "two: report content"
import json, sys
r = json.load(open(sys.argv[1]))
pairs = sorted((x["rank"], x["thread"]) for x in r["table"])
assert pairs == [(0, 0), (0, 1), (1, 0), (1, 1)], pairs
assert {x["local_rank"] for x in r["table"]} <= {0, 1}, r["table"]
assert all(x["cpu"] >= 0 and x["mask"] for x in r["table"]), r["table"]
assert r["run"]["ranks"] == 2 and r["metrics"]["rows"] == 4, r
assert isinstance(r["warnings"], list) and r["verdict"].startswith("VERIFIED"), r
PY

# 4. Bad input, at 2 ranks: exit 2, one line per rank naming the problem, no hang, no report.
export OMP_NUM_THREADS=1
start unknown "$MPIEXEC" -np 2 "${FLAGS[@]}" "$BIN" --no-such-option --report "$work/bad.json"
start hold_nan "$MPIEXEC" -np 2 "${FLAGS[@]}" "$BIN" --hold nan
start unwritable "$MPIEXEC" -np 2 "${FLAGS[@]}" "$BIN" --report /nonexistent-dir/affinity.json
finish unknown 2
[ "$(grep -c -- '--no-such-option' "$work/unknown.err")" -eq 2 ] || fail "unknown: expected one line per rank"
grep -q '^error (rank 0): .*--no-such-option' "$work/unknown.err" || fail "unknown: rank 0 line"
grep -q '^error (rank 1): .*--no-such-option' "$work/unknown.err" || fail "unknown: rank 1 line"
[ ! -e "$work/bad.json" ] || fail "unknown: a report was written"
finish hold_nan 2
[ "$(grep -c -- '^error (rank [01]): --hold' "$work/hold_nan.err")" -eq 2 ] || fail "hold nan: expected one line per rank"
finish unwritable 2
[ "$(grep -c '^error (rank [01]): .*nonexistent-dir' "$work/unwritable.err")" -eq 2 ] ||
  fail "unwritable: expected one line per rank"

# 5. --help shows an example and exits 0 on one rank.
run help 0 "$MPIEXEC" -np 1 "${FLAGS[@]}" "$BIN" --help
grep -q 'srun --mpi=pmix --cpu-bind=cores -c 2' "$work/help.out" || fail "help: no example"

echo "apps.affinity: all checks passed"
