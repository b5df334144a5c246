#!/usr/bin/env bash
# tessera-heat end to end: verification in 2D/3D, bitwise-equal restarts on other rank counts,
# pruning of old checkpoints, a SIGUSR1 mid-run that checkpoints (exit 75) and restarts to the same
# field, snapshots + XDMF, and bad input refused with exit 2 and no file left behind.
set -euo pipefail

BIN="${TESSERA_BIN_DIR:?}/tessera-heat"
MPIEXEC="${MPIEXEC:-mpiexec}"
read -r -a FLAGS <<<"${MPIEXEC_FLAGS:-}"
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-heat-test.XXXXXX")
bg=""
cleanup() {
  if [[ -n "$bg" ]] && kill -0 "$bg" 2>/dev/null; then kill -TERM "$bg" 2>/dev/null || true; wait "$bg" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
heat() { local np=$1; shift; "$MPIEXEC" -n "$np" "${FLAGS[@]}" "$BIN" "$@"; }
# expect RC NP ARGS...: runs, keeps the output in last.txt, checks the exit code
expect() {
  local want=$1; shift
  set +e
  heat "$@" >last.txt 2>&1
  local rc=$?
  set -e
  if [[ $rc != "$want" ]]; then
    cat last.txt >&2
    fail "expected exit $want, got $rc: heat -np $*"
  fi
}
checksum() { sed -n 's/.*checksum of u: \([0-9a-f]*\).*/\1/p' "$1"; }
# Bitwise comparison of /fields/u of two files (raw little-endian dumps).
same_field() {
  h5dump -d /fields/u -b LE -o "$work/a.bin" "$1" >/dev/null
  h5dump -d /fields/u -b LE -o "$work/b.bin" "$2" >/dev/null
  [[ -s "$work/a.bin" ]] || fail "empty dump of $1"
  cmp -s "$work/a.bin" "$work/b.bin" || fail "/fields/u of $1 and $2 differ"
}
no_output_left() {
  local left
  left=$(find "$work" -maxdepth 2 \( -name 'bad*' -o -name '.bad*' \) | head -n 5)
  [[ -z "$left" ]] || fail "bad input left files behind: $left"
}

# ---- help, verification ---------------------------------------------------------------------------
expect 0 1 --help
grep -q "Example" last.txt || fail "--help shows no example"

expect 0 2 --n 64 --steps 100 --output ref.h5
grep -q VERIFIED last.txt || fail "2D sine run not verified"
grep -q "overlap" last.txt || fail "no overlap figure"
grep -q "cells/s" last.txt || fail "no cell rate"
ref_sum=$(checksum last.txt)
[[ -n "$ref_sum" ]] || fail "no checksum printed"

expect 0 4 --n 64 --steps 100 --overlap off --grid 1x4 --output off.h5
[[ $(checksum last.txt) == "$ref_sum" ]] || fail "overlap off on 4 ranks gives another field"
same_field ref.h5 off.h5

expect 0 4 --dims 3 --n 20 --steps 40 --init hotspot --report r3.json
grep -q VERIFIED last.txt || fail "3D hotspot run not verified"
grep -q '"verified": true' r3.json || fail "report does not say verified"
grep -q '"overlap_percent"' r3.json || fail "report has no overlap figure"
expect 0 1 --dims 3 --n 20 --steps 40 --init hotspot
one=$(checksum last.txt)
[[ $one =~ ^[0-9a-f]{16}$ ]] || fail "no checksum printed by the 1-rank 3D run"
expect 0 2 --dims 3 --n 20 --steps 40 --init hotspot
[[ $(checksum last.txt) == "$one" ]] || fail "3D hotspot differs between 1 and 2 ranks"

# ---- the verdicts can fail: the last step's update 1 % too large (a wrong coefficient) ---------------
for init in sine hotspot; do
  expect 1 2 --n 64 --steps 50 --init $init --test-bad-step --output badstep.h5
  grep -q "^FAILED (.*last_step: " last.txt || fail "$init: a wrong last step is not FAILED"
  grep -q "last_step: FAILED (the last step recomputed independently, residual relative to max |u|: " last.txt || fail "$init: the step check is not shown"
  [[ ! -e badstep.h5 ]] || fail "$init: a FAILED result was written"
done
expect 0 2 --n 64 --steps 50 --init hotspot
grep -q "last step recomputed independently" last.txt || fail "hotspot: no independent step check"

# ---- checkpoint at 50, restart at other rank counts: the same field as the uninterrupted run -------
expect 0 2 --n 64 --steps 100 --checkpoint-every 50 --checkpoint-dir ck --keep 2 --output full.h5
[[ -f ck/heat-00000050.h5 && -f ck/heat-00000100.h5 ]] || fail "checkpoints at 50 and 100 missing"
same_field ref.h5 full.h5
for np in 1 3; do
  expect 0 "$np" --restart ck/heat-00000050.h5 --output "restart$np.h5"
  grep -q "restarted from" last.txt || fail "restart not reported"
  same_field full.h5 "restart$np.h5"
  grep -q "100" <<<"$(h5dump -d /results/step "restart$np.h5")" || fail "restart lost the /results series"
  [[ $(h5dump -d /results/step "restart$np.h5" | tr -cd ',' | wc -c) == $(h5dump -d /results/step full.h5 | tr -cd ',' | wc -c) ]] ||
    fail "the restarted /results series has another length"
done
# a directory restarts from its newest checkpoint (100: nothing left to do, the field is the final one)
expect 0 2 --restart ck --output fromdir.h5
same_field full.h5 fromdir.h5

# 3D hotspot restart from 1 rank to 4
expect 0 1 --dims 3 --n 18 --steps 30 --init hotspot --checkpoint-every 10 --checkpoint-dir ck3 --keep 5 --output full3.h5
expect 0 4 --restart ck3/heat-00000010.h5 --output restart3.h5
same_field full3.h5 restart3.h5

# keep the last 2
expect 0 2 --n 32 --steps 60 --checkpoint-every 10 --checkpoint-dir keep --keep 2
[[ $(find keep -name 'heat-*.h5' | sort | tr '\n' ' ') == "keep/heat-00000050.h5 keep/heat-00000060.h5 " ]] ||
  fail "--keep 2 left: $(ls keep)"

# ---- snapshots and the XDMF time series -------------------------------------------------------------
expect 0 2 --n 48 --steps 100 --init hotspot --snapshot-every 25 --output snap.h5
[[ -f snap.xmf ]] || fail "no snap.xmf beside snap.h5"
[[ $(grep -c '<Time Value' snap.xmf) == 5 ]] || fail "snap.xmf should hold 5 frames (0, 25, 50, 75, 100)"
grep -q 'CollectionType="Temporal"' snap.xmf || fail "snap.xmf is not a temporal collection"
grep -q 'snap.h5:/snapshots/u_000075' snap.xmf || fail "snap.xmf does not point at the snapshots"
h5dump -H -d /snapshots/u_000100 snap.h5 >/dev/null || fail "snapshot u_000100 missing"

# ---- a signal mid-run: checkpoint, exit 75, restart to the same field ------------------------------
"$MPIEXEC" -n 2 "${FLAGS[@]}" "$BIN" --n 160 --steps 100000000 --checkpoint-dir sig >sig.txt 2>&1 &
bg=$!
for _ in $(seq 1 300); do
  grep -q "steps 0 ->" sig.txt && break
  sleep 0.1
done
grep -q "steps 0 ->" sig.txt || fail "the run to be signalled did not start"
sleep 0.3
kill -USR1 "$bg"
for _ in $(seq 1 600); do
  kill -0 "$bg" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$bg" 2>/dev/null && fail "the run did not stop within 60 s of SIGUSR1"
set +e
wait "$bg"
rc=$?
set -e
bg=""
[[ $rc == 75 ]] || { cat sig.txt >&2; fail "SIGUSR1 gave exit $rc, expected 75"; }
grep -q PREEMPTED sig.txt || fail "no PREEMPTED line"
ck=$(find sig -name 'heat-*.h5' | sort | tail -n 1)
[[ -n "$ck" ]] || fail "no checkpoint after SIGUSR1"
stopped=$((10#$(basename "$ck" .h5 | sed 's/heat-//')))
final=$((stopped + 30))
expect 0 1 --restart "$ck" --steps "$final" --output sigrestart.h5
expect 0 2 --n 160 --steps "$final" --output sigref.h5
same_field sigref.h5 sigrestart.h5

# ---- bad input: exit 2, nothing left behind ----------------------------------------------------------
# Open MPI's mpirun waits a second (odls_base_sigkill_timeout) before it kills a job that returned a
# non-zero code; every rank exits by itself here, so skip that wait (the exit code is unchanged).
export OMPI_MCA_odls_base_sigkill_timeout=0
expect 2 2 --n 64 --dt 1 --output bad1.h5
grep -q "unstable" last.txt || fail "unstable r not explained"
expect 2 2 --n 64 --grid 3x1 --output bad2.h5
expect 2 2 --n 0 --output bad3.h5
expect 2 2 --n 64 --bogus --output bad4.h5
expect 2 2 --n 1 --grid 2x1 --output bad5.h5
grep -q "every rank must own cells" last.txt || fail "too-small grid not explained"
expect 2 2 --restart ref.h5 --output bad6.h5
grep -q "not a tessera-heat checkpoint" last.txt || fail "a result file accepted as a checkpoint"
echo "not hdf5" >notes.txt
expect 2 2 --restart notes.txt --output bad7.h5
expect 2 2 --restart ck/heat-00000050.h5 --n 32 --output bad8.h5
expect 2 2 --restart ck/heat-00000050.h5 --dims 3 --output bad9.h5
cp ck/heat-00000050.h5 trunc.h5
truncate -s $(($(stat -c %s trunc.h5) / 2)) trunc.h5
expect 2 2 --restart trunc.h5 --output bad10.h5
# damage one value of the field: the checksum catches it
cp ck/heat-00000050.h5 damaged.h5
offset=$(h5dump -p -H -d /fields/u damaged.h5 | sed -n 's/.*OFFSET \([0-9]*\).*/\1/p')
[[ -n "$offset" ]] || fail "no dataset offset"
printf '\x7f\x7f\x7f\x7f' | dd of=damaged.h5 bs=1 seek=$((offset + 800)) conv=notrunc status=none
expect 2 2 --restart damaged.h5 --output bad11.h5
grep -qE "block [0-9]+ \[[0-9:, ]+\) has checksum [0-9a-f]+, the file records [0-9a-f]+" last.txt ||
  fail "damaged checkpoint not detected by its block checksums"
grep -q "there is no older checkpoint beside it" last.txt || fail "a lone damaged checkpoint: no older one to name"
# the newest checkpoint of a directory damaged: refused, and the next older one is named
cp -r ck ckd
newest=$(ls ckd/heat-*.h5 | tail -1)
prev=$(ls ckd/heat-*.h5 | tail -2 | head -1)
[[ $newest != "$prev" ]] || fail "ck holds one checkpoint only"
offset=$(h5dump -p -H -d /fields/u "$newest" | sed -n 's/.*OFFSET \([0-9]*\).*/\1/p')
printf '\x7f\x7f\x7f\x7f' | dd of="$newest" bs=1 seek=$((offset + 8)) conv=notrunc status=none
expect 2 3 --restart ckd --output bad11b.h5
grep -q "cannot restart from '$newest'" last.txt || fail "the refused checkpoint is not named"
grep -q "the next older checkpoint is '$prev'" last.txt || fail "the next older checkpoint ($prev) is not named"
expect 0 3 --restart "$prev" --output ok11c.h5
rm -rf ckd ok11c.h5 ok11c.xmf
expect 2 2 --n 64 --output /nonexistent-dir-xyz/bad12.h5
expect 2 2 --n 64 --checkpoint-every 10 --checkpoint-dir /nonexistent-dir-xyz/ck
expect 2 2 --n 64 --snapshot-every 10
no_output_left
echo "apps.heat: all checks passed"
