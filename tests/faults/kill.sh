#!/usr/bin/env bash
# A rank killed (SIGKILL), or mpirun sent SIGTERM or SIGINT, while a program writes its output: the
# job ends within 10 s, and the final name never points at a partial file (nothing there, or, for
# tessera-heat, which checkpoints and stops on SIGTERM, a whole file that reads back). Checkpoints
# written before stay intact (a restart from them verifies). Every program that writes HDF5.
source "$(dirname "$0")/lib.sh"
W=$WORK/out
mkdir -p "$W"

# caught_temp DIR: the name of a temporary in DIR that holds data (> 1 MiB, so the dataset write has
# begun), empty when none.
caught_temp() { find "$1" -maxdepth 1 -name '.*.partial' -size +1M -print -quit 2>/dev/null || true; }
# final_of TEMP: the final name a temporary becomes (".NAME.<host>-<pid>-<rand>.partial" -> NAME).
final_of() {
  local b
  b=$(basename "$1")
  b=${b#.}
  b=${b%.partial}
  echo "$(dirname "$1")/${b%.*}"
}
# ranks_of MPIRUN_PID: the rank processes mpirun started.
ranks_of() { pgrep -P "$(pgrep -P "$1" -x "$(basename "$MPIEXEC")" | head -1)" || true; }

# hit LABEL SIGNAL rank|mpirun DIR cmd...: runs cmd on 2 ranks in the background, waits until
# one of its temporaries in DIR holds data, then sends SIGNAL to one rank or to mpirun. Sets
# HIT_FINAL (the output being written), HIT_RC and HIT_SECONDS (signal to exit). Tries 3 times to
# catch the write; fails the test when it never does.
hit() {
  local label=$1 sig=$2 who=$3 dir=$4
  shift 4
  HIT_FINAL=""
  for attempt in 1 2 3; do
    find "$dir" -maxdepth 1 -name '.*.partial' -delete
    # (a background job of a script starts with SIGINT ignored: give mpirun the default back)
    env --default-signal=INT timeout -k 5 120 "$MPIEXEC" -np 2 "${MPI_FLAGS[@]}" "$@" >"$WORK/hit.log" 2>&1 &
    local pid=$! t=""
    while kill -0 $pid 2>/dev/null; do
      # HIT_AFTER (a glob): catch only a write that begins once such a file exists
      if [[ -n ${HIT_AFTER:-} ]] && ! compgen -G "$HIT_AFTER" >/dev/null; then continue; fi
      t=$(caught_temp "$dir")
      [[ -n $t ]] && break
    done
    if [[ -z $t ]]; then
      wait $pid || true
      echo "     ($label: attempt $attempt finished before its write was caught)"
      continue
    fi
    HIT_FINAL=$(final_of "$t")
    if [[ $who == rank ]]; then
      kill -"$sig" "$(ranks_of $pid | tail -1)"
    else
      kill -"$sig" $pid
    fi
    local t0=$SECONDS
    for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
    HIT_SECONDS=$((SECONDS - t0))
    if kill -0 $pid 2>/dev/null; then
      kill -KILL $pid 2>/dev/null || true
      pkill -KILL -P $pid 2>/dev/null || true
    fi
    set +e
    wait $pid
    HIT_RC=$?
    set -e
    OUT=$(tr -d '\0' <"$WORK/hit.log")
    ((HIT_SECONDS <= 10)) && ok "$label: mpirun ended ${HIT_SECONDS} s after SIG$sig (exit $HIT_RC)" ||
      { fail "$label: mpirun still running ${HIT_SECONDS} s after SIG$sig"; tail -5 <<<"$OUT"; }
    return 0
  done
  fail "$label: the write was never caught in 3 attempts"
}

# nothing_partial LABEL FINAL: nothing at FINAL, or a whole file (every value reads back).
nothing_partial() {
  if [[ ! -e $2 ]]; then ok "$1: nothing under $(basename "$2")"; return; fi
  if "$BIN/tessera-inspect" "$2" --stats >/dev/null 2>&1; then ok "$1: $(basename "$2") is whole"
  else fail "$1: $(basename "$2") is there and does not read back"; fi
}

MB=("$BIN/tessera-mapblocks" --shape 4000x4000 --chunks 1000x1000 --init arange --op square --no-sync --output "$W/mb.h5")
HEAT=("$BIN/tessera-heat" --dims 2 --n 3000 --steps 10 --output "$W/heat.h5")
MM=("$BIN/tessera-matmul" --m 4000 --n 4000 --k 64 --reps 1 --output "$W/c.h5")
TF=("$BIN/tessera-taskfarm" --kernel mandelbrot --width 4000 --height 2000 --max-iter 8 --output "$W/tf.h5")
for prog in MB HEAT MM TF; do
  declare -n cmd=$prog
  for s in KILL:rank TERM:mpirun INT:mpirun; do
    sig=${s%:*}
    who=${s#*:}
    rm -f "$W"/*
    hit "$prog SIG$sig to $who" "$sig" "$who" "$W" "${cmd[@]}"
    [[ -n $HIT_FINAL ]] || continue
    [[ $HIT_RC -ne 0 || $prog == HEAT ]] && ok "$prog SIG$sig: not a success" || fail "$prog SIG$sig: exit 0"
    nothing_partial "$prog SIG$sig" "$HIT_FINAL"
  done
  unset -n cmd
done

# heat: the signal lands while a checkpoint is being written; the checkpoints before it restart.
CK=$WORK/ck
mkdir -p "$CK"
for s in KILL:rank TERM:mpirun INT:mpirun; do
  sig=${s%:*}
  who=${s#*:}
  rm -rf "${CK:?}"/* "$CK"/.??*
  HIT_AFTER="$CK/heat-*.h5" hit "heat checkpoint SIG$sig to $who" "$sig" "$who" "$CK" \
    "$BIN/tessera-heat" --dims 2 --n 2000 --steps 100000 --checkpoint-every 5 --checkpoint-dir "$CK" --keep 100
  [[ -n $HIT_FINAL ]] || continue
  nothing_partial "heat checkpoint SIG$sig" "$HIT_FINAL"
  older=$(find "$CK" -name 'heat-*.h5' | sort | awk -v f="$HIT_FINAL" '$0 < f' | tail -1)
  if [[ -z $older ]]; then
    fail "heat checkpoint SIG$sig: no checkpoint before the one being written"
  else
    st=$(basename "$older" .h5)
    st=$((10#${st#heat-}))
    expect_rc 0 "heat checkpoint SIG$sig: the one before ($(basename "$older")) restarts" mpi 2 "$BIN/tessera-heat" \
      --restart "$older" --steps $((st + 2))
  fi
done
finish
