#!/usr/bin/env bash
# End-to-end tests of tessera-affinity: a rank bound to one core with two threads is flagged
# (and fails under --strict), an unbound rank is not, two ranks give a complete table and a JSON
# report, and bad input ends every rank with exit 2 and one line each, without hanging. On the
# synthetic nodes of tests/topologies: a recorded table judged (--topology, --placements), the
# advice of --suggest judged free by the same checks, and bad topology/placement input.
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

# 6. Other nodes: a recorded table judged for a node type (--topology, --placements), advice
#    (--suggest) judged by the same checks, and bad input (exit 2, one line).
TOPO="$TESSERA_SOURCE_DIR/tests/topologies"
python3 - "$work/packed.json" <<'PY'
import json, sys
# 4 ranks x 2 threads, all on package 0 of the 2-socket node; rank 0 drives the GPU of NUMA 1
rows = []
for r, first in enumerate([0, 4, 32, 36]):
    for t in range(2):
        c = first + 2 * t
        rows.append({"host": "gpu01", "rank": r, "local_rank": r, "thread": t, "threads": 2, "cpu": c,
                     "mask": f"{c}-{c + 1}", "gpu": r, "gpu_bus_id": "0000:20:00.0" if r == 0 else ""})
json.dump({"table": rows}, open(sys.argv[1], "w"))
PY
run judged 0 "$BIN" --topology "$TOPO/node-2s64c-4gpu.xml" --placements "$work/packed.json" --report "$work/judged.json"
grep -q '^warning: numa-imbalance: host gpu01: 4 ranks spread unevenly' "$work/judged.err" || fail "judged: no numa-imbalance"
grep -q '^warning: gpu-far: host gpu01: rank 0 drives GPU 0 0000:20:00.0 (NUMA 1) from NUMA 0' "$work/judged.err" ||
  fail "judged: no gpu-far for rank 0"
grep -q '^host gpu01: 2 packages, 4 NUMA nodes' "$work/judged.out" || fail "judged: no block header with the topology"
python3 - "$work/judged.json" <<'PY' || fail "judged: report content"
import json, sys
r = json.load(open(sys.argv[1]))
ids = sorted(w["id"] for w in r["warnings"])
assert ids == ["gpu-far", "numa-imbalance"], ids
row = r["table"][0]
assert row["numa"] == "0" and row["packages"] == "0" and row["gpu_numa"] == "1" and row["rank_numa"] == "0", row
PY
run judged_strict 1 "$BIN" --topology "$TOPO/node-2s64c-4gpu.xml" --placements "$work/packed.json" --strict
grep -q '^FAILED' "$work/judged_strict.out" || fail "judged --strict: no FAILED"
for node in node-2s64c-4gpu node-8numa-8gpu laptop; do
  gpus=1
  [ $node = laptop ] && gpus=0
  run "suggest_$node" 0 "$BIN" --topology "$TOPO/$node.xml" --suggest --ranks-per-node 2 --threads-per-rank 3 \
    --gpus-per-rank $gpus --report "$work/suggest_$node.json"
  grep -q '^  mpirun: mpirun ' "$work/suggest_$node.out" || fail "suggest $node: no mpirun line"
  grep -q '^  srun:   srun --ntasks-per-node=2 --cpus-per-task=' "$work/suggest_$node.out" || fail "suggest $node: no srun line"
  grep -q '^suggestion judged by the same checks: 0 warnings' "$work/suggest_$node.out" || fail "suggest $node: judged"
  grep -qx VERIFIED "$work/suggest_$node.out" || fail "suggest $node: not VERIFIED"
done
printf 'not a topology\n' > "$work/junk.xml"
python3 - "$work/packed.json" "$work/far.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["table"][0]["mask"] = "500"; json.dump(r, open(sys.argv[2], "w"))
PY
bad_input() {  # NAME WORDS ARGS...: exit 2, one error line with WORDS
  local name=$1 words=$2
  shift 2
  run "$name" 2 "$BIN" "$@"
  [ "$(grep -c '^error' "$work/$name.err")" -eq 1 ] || fail "$name: expected one error line"
  grep -q "$words" "$work/$name.err" || fail "$name: the error does not say '$words'"
}
bad_input junk_topology "not an hwloc XML topology" --topology "$work/junk.xml" --suggest --ranks-per-node 1 --threads-per-rank 1
bad_input far_cpu "names CPU 500, which the topology" --topology "$TOPO/laptop.xml" --placements "$work/far.json"
bad_input too_big "exceed the 8 PUs" --topology "$TOPO/laptop.xml" --suggest --ranks-per-node 4 --threads-per-rank 4
bad_input alone "needs --placements FILE.json or --suggest" --topology "$TOPO/laptop.xml"
bad_input not_json "not a placement table" --topology "$TOPO/laptop.xml" --placements "$work/junk.xml"

# 5. --help shows an example and exits 0 on one rank.
run help 0 "$MPIEXEC" -np 1 "${FLAGS[@]}" "$BIN" --help
grep -q 'srun --mpi=pmix --cpu-bind=cores -c 2' "$work/help.out" || fail "help: no example"

echo "apps.affinity: all checks passed"
