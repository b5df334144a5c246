#!/usr/bin/env bash
# An I/O error on a rank (a file system that is full, or turned read-only) ends the job within 30 s,
# exit 3, with one line naming the file and the error; nothing appears under the final name, an
# earlier output and earlier checkpoints are untouched, no temporary is left. Every program that
# writes HDF5 is tried. Runs in a private mount namespace on small tmpfs mounts.
source "$(dirname "$0")/lib.sh"
need_mount_namespace
FULL=$WORK/full
small_fs "$FULL" 3m
trap 'umount "$FULL" 2>/dev/null; umount "$WORK/ro" 2>/dev/null; rm -rf "$WORK"' EXIT

# an earlier output of the same name, which a failed write must leave as it was
expect_rc 0 "a small earlier output" mpi 2 "$BIN/tessera-mapblocks" --shape 40x40 --chunks 20x20 --init ones --output "$FULL/big.h5"
before=$(md5sum <"$FULL/big.h5")

timed_rc 3 30 "mapblocks onto a full file system" mpi 2 "$BIN/tessera-mapblocks" --shape 2000x2000 --chunks 500x500 \
  --init ones --output "$FULL/big.h5"
expect_contains "I/O error on '$FULL/big.h5': No space left on device" "the line names the output and the error"
expect_not_contains "VERIFIED|wrote" "no success is claimed"
[[ $(md5sum <"$FULL/big.h5") == "$before" ]] && ok "the earlier big.h5 is untouched" || fail "the earlier big.h5 changed"
no_temporaries "$FULL" "mapblocks"
rm -f "$FULL"/big.h5* "$FULL"/*.xmf

mkdir -p "$FULL/ck"
timed_rc 3 30 "heat checkpoints onto a full file system" mpi 2 "$BIN/tessera-heat" --dims 2 --n 400 --steps 400 \
  --checkpoint-every 100 --checkpoint-dir "$FULL/ck" --keep 10
expect_contains "I/O error on '$FULL/ck/heat-[0-9]{8}\.h5': No space left on device" "the line names the checkpoint and the error"
no_temporaries "$FULL/ck" "heat checkpoints"
ncks=$(find "$FULL/ck" -name 'heat-*.h5' | wc -l)
((ncks >= 1)) && ok "$ncks earlier checkpoint(s) kept" || fail "no earlier checkpoint kept"
newest=$(find "$FULL/ck" -name 'heat-*.h5' | sort | tail -1)
step=$(basename "$newest" .h5)
step=$((10#${step#heat-}))
expect_rc 0 "the newest kept checkpoint restarts and verifies" mpi 2 "$BIN/tessera-heat" --restart "$FULL/ck" --steps $((step + 10))
expect_contains "VERIFIED" "restart verified"
rm -rf "$FULL/ck"

timed_rc 3 30 "heat output onto a full file system" mpi 2 "$BIN/tessera-heat" --dims 2 --n 800 --steps 5 --output "$FULL/heat.h5"
expect_contains "I/O error on '$FULL/heat.h5': No space left on device" "the line names heat.h5"
expect_no_file "$FULL/heat.h5" "no heat.h5"
no_temporaries "$FULL" "heat output"

timed_rc 3 30 "matmul output onto a full file system" mpi 2 "$BIN/tessera-matmul" --m 700 --n 700 --k 700 --reps 1 \
  --write-inputs --output "$FULL/c.h5"
expect_contains "I/O error on '$FULL/c.h5': No space left on device" "the line names c.h5"
expect_no_file "$FULL/c.h5" "no c.h5"
no_temporaries "$FULL" "matmul output"

timed_rc 3 30 "taskfarm output onto a full file system" mpi 2 "$BIN/tessera-taskfarm" --kernel mandelbrot --width 1600 \
  --height 800 --max-iter 20 --output "$FULL/tf.h5"
expect_contains "I/O error on '$FULL/tf.h5': No space left on device" "the line names tf.h5"
expect_no_file "$FULL/tf.h5" "no tf.h5"
no_temporaries "$FULL" "taskfarm output"

# A file system turned read-only during a run with checkpoints: the next checkpoint fails.
RO=$WORK/ro
small_fs "$RO" 64m
mpi 2 "$BIN/tessera-heat" --dims 2 --n 200 --steps 200000 --checkpoint-every 200 --checkpoint-dir "$RO" --keep 100 \
  >"$WORK/ro.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [[ -e $RO/heat-00000200.h5 ]] && break; sleep 0.05; done
# (refused while a checkpoint is open for writing: try again)
for _ in $(seq 200); do mount -o remount,ro "$RO" 2>/dev/null && break; sleep 0.02; done
t0=$SECONDS
set +e
wait $pid
rc=$?
set -e
OUT=$(cat "$WORK/ro.log")
[[ $rc -eq 3 ]] && ok "heat on a file system turned read-only: exit 3" || { fail "read-only: exit $rc, expected 3"; tail -5 <<<"$OUT"; }
(( SECONDS - t0 <= 30 )) && ok "read-only: ended in $((SECONDS - t0)) s" || fail "read-only: took $((SECONDS - t0)) s"
expect_contains "'$RO/heat-[0-9]{8}\.h5'.*Read-only file system" "the line names the checkpoint and the error"
no_temporaries "$RO" "read-only"
finish
