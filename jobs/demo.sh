#!/usr/bin/env bash
# jobs/demo.sh: the suite's main job, run locally with mpirun (make -f Makefile.hpc demo).
# Runs every Tessera app on NP ranks at sizes that finish in seconds, writes HDF5 outputs, JSON
# reports and PNG images under OUT_DIR, and prints one summary table: app, headline metric, verdict.
#
#   NP=2 OUT_DIR=out BIN_DIR=build/default/bin jobs/demo.sh
#   MPIEXEC="mpirun --oversubscribe" jobs/demo.sh
set -uo pipefail
NP=${NP:-2}
OUT_DIR=${OUT_DIR:-out}
BIN_DIR=${BIN_DIR:-build/default/bin}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

command -v "${MPIEXEC%% *}" >/dev/null 2>&1 || { echo "error: MPI launcher '${MPIEXEC%% *}' not found" >&2; exit 2; }
mkdir -p "$OUT_DIR"
LAUNCH=($MPIEXEC -q -np "$NP" --oversubscribe)
start=$(date +%s)
status=0
declare -a ROWS=()

# run NAME HEADLINE_METRIC -- command...   (the command must write $OUT_DIR/NAME.json)
run() {
  local name=$1 metric=$2
  shift 3
  local log="$OUT_DIR/$name.log" t0=$(date +%s%N)
  echo "== $name: $*"
  if "$@" >"$log" 2>&1; then :; else
    local rc=$?
    echo "   $name exited $rc; last lines of $log:"
    tail -5 "$log" | sed 's/^/   | /'
    status=1
  fi
  local t1=$(date +%s%N)
  ROWS+=("$(python3 - "$OUT_DIR/$name.json" "$name" "$metric" "$(( (t1 - t0) / 1000000 ))" <<'PY'
import json, sys
path, name, metric, secs = sys.argv[1:5]
try:
    r = json.load(open(path))
    v = r.get("metrics", {}).get(metric)
    val = f"{v:.4g}" if isinstance(v, (int, float)) else str(v)
    if metric == "-":
        metric, val = "PNG + stats", "read back and checked"
    verdict = "VERIFIED" if r.get("verified") else "FAILED"
except Exception as e:
    val, verdict = "-", "NO REPORT"
print(f"{name}|{metric} = {val}"[:60] + f"|{verdict}|{int(secs) / 1000:.1f}")
PY
)")
}

B=$BIN_DIR
run affinity rows -- "${LAUNCH[@]}" --bind-to none "$B/tessera-affinity" --report "$OUT_DIR/affinity.json"
run taskfarm efficiency -- "${LAUNCH[@]}" "$B/tessera-taskfarm" --kernel mandelbrot --width 2048 --height 2048 \
  --output "$OUT_DIR/taskfarm.h5" --report "$OUT_DIR/taskfarm.json"
run mapblocks compute_GBps -- "${LAUNCH[@]}" "$B/tessera-mapblocks" --init arange --op scale:6.25e-7 --op add:-5 \
  --op square --reduce sum,min,max,mean,l2 --output "$OUT_DIR/mapblocks.h5" --report "$OUT_DIR/mapblocks.json"
run heat cells_per_second -- "${LAUNCH[@]}" "$B/tessera-heat" --dims 2 --steps 500 --output "$OUT_DIR/heat.h5" \
  --report "$OUT_DIR/heat.json"
run heat-hotspot cells_per_second -- "${LAUNCH[@]}" "$B/tessera-heat" --init hotspot --n 512 --steps 4000 \
  --snapshot-every 500 --output "$OUT_DIR/heat-hotspot.h5" --report "$OUT_DIR/heat-hotspot.json"
run inspect-heat - -- "${LAUNCH[@]}" "$B/tessera-inspect" "$OUT_DIR/heat-hotspot.h5" /fields/u --colormap coolwarm \
  --png "$OUT_DIR/heat.png" --report "$OUT_DIR/inspect-heat.json"
run inspect - -- "${LAUNCH[@]}" "$B/tessera-inspect" "$OUT_DIR/mapblocks.h5" /fields/array --stats \
  --png "$OUT_DIR/mapblocks.png" --report "$OUT_DIR/inspect.json"
run inspect-mandelbrot - -- "${LAUNCH[@]}" "$B/tessera-inspect" "$OUT_DIR/taskfarm.h5" /fields/mandelbrot \
  --png "$OUT_DIR/mandelbrot.png" --report "$OUT_DIR/inspect-mandelbrot.json"

echo
printf '%-18s %-40s %-10s %s\n' app "headline metric" verdict seconds
printf '%-18s %-40s %-10s %s\n' ------------------ ---------------------------------------- ---------- -------
for row in "${ROWS[@]}"; do
  IFS='|' read -r a m v s <<<"$row"
  printf '%-18s %-40s %-10s %s\n' "$a" "$m" "$v" "$s"
  [[ "$v" == VERIFIED ]] || status=1
done
echo
echo "outputs in $OUT_DIR/ ($(( $(date +%s) - start )) s)"
exit $status
