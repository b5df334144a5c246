#!/usr/bin/env bash
# apps.reports: every program writes one report schema (docs/report-schema.json, described in
# docs/report-schema.md): a VERIFIED run, a FAILED run, a run with no verdict (a listing) and a
# preempted run (heat, taskfarm's deadline), each checked with jsonschema (Debian's python3-jsonschema), plus what the schema
# alone cannot say: the verdict line on stdout matches the report, and the exit code too.
source "$(dirname "$0")/lib.sh"
SCHEMA=$TESSERA_SOURCE_DIR/docs/report-schema.json
PY=/usr/bin/python3
$PY -c 'import jsonschema' 2>/dev/null || { echo "python3-jsonschema is missing (cmake/install-deps.sh installs it)"; exit 1; }

# report NAME WANT_RC WANT_VERDICT cmd... : runs cmd with --report, checks exit code, schema, verdict
report() {
  local name=$1 want_rc=$2 want=$3
  shift 3
  expect_rc "$want_rc" "$name" "$@" --report "$WORK/$name.json"
  printf '%s\n' "$OUT" >"$WORK/$name.out"
  if $PY - "$SCHEMA" "$WORK/$name.json" "$want" "$want_rc" "$WORK/$name.out" <<'PY'; then ok "$name: report valid, verdict $want"; else fail "$name: report"; fi
import json, sys, jsonschema
schema, path, want, rc = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], int(sys.argv[4])
r = json.load(open(path))
jsonschema.validate(r, schema, cls=jsonschema.Draft202012Validator)
assert r["verdict"] == want, (r["verdict"], want)
assert r["exit_code"] == rc, (r["exit_code"], rc)
out = open(sys.argv[5]).read().splitlines()
lines = [l for l in out if l.startswith(("VERIFIED", "FAILED", "PREEMPTED"))]
if want == "VERIFIED":
    assert lines == ["VERIFIED"], lines
elif want == "FAILED":
    assert len(lines) == 1 and lines[0].startswith("FAILED ("), lines
    failed = [c["name"] for c in r["checks"] if not c["passed"]]
    assert all(n + ":" in lines[0] for n in failed), (failed, lines)
else:
    assert lines == ([r["exit_reason"]] if "exit_reason" in r else []), (lines, r.get("exit_reason"))
for c in r["checks"]:  # every check is in the summary tail too
    assert any(l.startswith("check " + c["name"] + ": ") for l in out), c["name"]
PY
}

report matmul 0 VERIFIED mpi 2 "$BIN/tessera-matmul" --m 64 --n 48 --k 32 --init structured --reps 1
report matmul_failed 1 FAILED mpi 2 "$BIN/tessera-matmul" --m 64 --n 48 --k 32 --corrupt-c --reps 1
report mapblocks 0 VERIFIED mpi 2 "$BIN/tessera-mapblocks" --shape 200x100 --chunks 50x50 --init ones --op square \
  --output "$WORK/mb.h5"
report mapblocks_failed 1 FAILED mpi 2 "$BIN/tessera-mapblocks" --shape 200x100 --chunks 50x50 --test-drop-chunk
report taskfarm 0 VERIFIED mpi 2 "$BIN/tessera-taskfarm" --kernel factorial --range 1:200 --no-progress
report taskfarm_failed 1 FAILED mpi 2 "$BIN/tessera-taskfarm" --kernel mandelbrot --width 64 --height 32 \
  --test-broken-kernel --no-progress
report taskfarm_deadline 75 none mpi 2 "$BIN/tessera-taskfarm" --kernel noop --count 50 --deadline +1 \
  --deadline-margin 5 --no-progress
report heat 0 VERIFIED mpi 2 "$BIN/tessera-heat" --n 48 --steps 20
report heat_failed 1 FAILED mpi 2 "$BIN/tessera-heat" --n 48 --steps 20 --test-bad-step
report affinity 0 VERIFIED mpi 2 "$BIN/tessera-affinity"
report inspect_listing 0 none "$BIN/tessera-inspect" "$WORK/mb.h5"
report inspect_stats 0 VERIFIED "$BIN/tessera-inspect" "$WORK/mb.h5" --stats
report inspect_png_failed 1 FAILED "$BIN/tessera-inspect" "$WORK/mb.h5" --png "$WORK/x.png" --test-wrong-pixel
expect_no_file "$WORK/x.png" "a FAILED picture is not left behind"
# affinity FAILED: 2 threads confined to one core under --strict (the launcher's own binding)
OMP_NUM_THREADS=2 report affinity_failed 1 FAILED timeout -k 5 120 "$MPIEXEC" -np 1 --bind-to core \
  "$BIN/tessera-affinity" --strict
# heat preempted: SIGUSR1 through mpirun mid-run: a checkpoint, exit 75, no verdict
cd "$WORK"
report heat_preempted 75 none timeout --preserve-status -s USR1 -k 30 6 "$MPIEXEC" -np 2 "${MPI_FLAGS[@]}" \
  "$BIN/tessera-heat" --n 64 --steps 100000000 --checkpoint-dir "$WORK"
compgen -G "$WORK/heat-*.h5" >/dev/null && ok "heat_preempted: its checkpoint is there" || fail "heat_preempted: no checkpoint"
# the skeleton itself: the ranks must agree, and a program that checks nothing claims nothing
report probe 0 VERIFIED mpi 2 "$BIN/program_probe"
report probe_wrong 1 FAILED mpi 2 "$BIN/program_probe" --wrong
report probe_disagree 1 FAILED mpi 2 "$BIN/program_probe" --disagree
expect_contains "ranks_agree" "disagreeing ranks give FAILED (ranks_agree) everywhere"
report probe_no_claim 0 none mpi 2 "$BIN/program_probe" --no-claim
finish
