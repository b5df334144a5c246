#!/usr/bin/env bash
# bench/mapblocks/run.sh: tessera-mapblocks against its peers, in one run on one machine, 2 cores.
#
#   bench/mapblocks/run.sh [BUILD_DIR]        (default build/default; REPS=5 by default)
#
# 1. compute: the seed's dask example at 10000^2 in 1000^2 chunks, ones -> square -> sum, with
#    Debian's python3-dask (threaded scheduler, 2 workers), against tessera-mapblocks at 2 ranks x 1
#    thread and 1 rank x 2 threads (lazy: no --output). Times are each program's own timing of the
#    computation (dask: .compute(); tessera: the fused pass), medians of REPS repetitions.
# 2. compute + write: dask's to_hdf5 (h5py underneath) against tessera-mapblocks --output, same
#    array; each repetition a fresh file; times from the start of the computation to the file closed.
# 3. HDF5 write bandwidth of a 512 MiB array (8192^2 float64): tessera-mapblocks --output (the
#    collective chunked write, chunks 1024^2), a plain C parallel-HDF5 writer (bench-h5write_plain:
#    contiguous, one collective H5Dwrite) without and with a flush before close. Tessera's commit
#    flushes (fsync) before its atomic rename by default, so it is compared with "plain C + sync";
#    tessera --no-sync is compared with the plain writer as is. Also h5py (serial) and dd
#    conv=fdatasync. Interleaved, each repetition after `sync` into a fresh file; tessera's figure
#    includes creating the file, the attributes, the flush and the rename.
#
# Writes bench/results/mapblocks.json (all samples, medians, ratios) and prints a small table.
# Needs: apt-get install -y --no-install-recommends python3-dask python3-h5py (runs /usr/bin/python3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build/default}
BIN=$BUILD/bin
REPS=${REPS:-7}
PY=/usr/bin/python3
HERE=$ROOT/bench/mapblocks
RESULTS=$ROOT/bench/results
WORK=${BENCH_WORK:-$RESULTS/work}
mkdir -p "$RESULTS" "$WORK"
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN=(mpiexec --oversubscribe --bind-to none)
for b in tessera-mapblocks bench-h5write_plain; do
  [[ -x $BIN/$b ]] || { echo "missing $BIN/$b: build with TESSERA_BUILD_BENCH=ON" >&2; exit 2; }
done
$PY -c "import dask, h5py" 2>/dev/null || { echo "needs python3-dask and python3-h5py (apt-get)" >&2; exit 2; }
json_get() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
samples() { tr '\n' ' ' | sed 's/ *$//; s/ /, /g'; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $load_start"

N=10000 C=1000
echo "== 1. compute: ${N}^2 in ${C}^2 chunks, ones -> square -> sum ($REPS repetitions)"
CREPS=$((3 * REPS))
dask_compute=$($PY "$HERE/dask_peers.py" compute $N $C "$CREPS" | samples)
OMP_NUM_THREADS=1 "${MPIRUN[@]}" -np 2 "$BIN/tessera-mapblocks" --shape ${N}x$N --chunks ${C}x$C --init ones \
  --op square --reduce sum --repeat "$CREPS" --report "$WORK/c21.json" -q > /dev/null
OMP_NUM_THREADS=2 "${MPIRUN[@]}" -np 1 "$BIN/tessera-mapblocks" --shape ${N}x$N --chunks ${C}x$C --init ones \
  --op square --reduce sum --repeat "$CREPS" --report "$WORK/c12.json" -q > /dev/null
t21=$(json_get "$WORK/c21.json" "['metrics']['compute_s_all']" | tr -d '[]')
t12=$(json_get "$WORK/c12.json" "['metrics']['compute_s_all']" | tr -d '[]')
isa=$(json_get "$WORK/c21.json" "['parameters']['kernel_isa']")

echo "== 2. compute + write: dask to_hdf5 vs tessera-mapblocks --output (${N}^2 float64, 2 cores)"
dask_h5=$($PY "$HERE/dask_peers.py" to_hdf5 $N $C "$REPS" "$WORK/dask.h5" | samples)
rm -f "$WORK/dask.h5"
tess_h5="" tess_h5_12=""
for r in $(seq "$REPS"); do
  rm -f "$WORK/t.h5"; sync
  OMP_NUM_THREADS=1 "${MPIRUN[@]}" -np 2 "$BIN/tessera-mapblocks" --shape ${N}x$N --chunks ${C}x$C --init ones \
    --op square --reduce sum --output "$WORK/t.h5" --no-xdmf --report "$WORK/w.json" -q > /dev/null
  tess_h5+="$(json_get "$WORK/w.json" "['metrics']['compute_s'] + d['metrics']['write_s']") "
  rm -f "$WORK/t.h5"; sync
  OMP_NUM_THREADS=2 "${MPIRUN[@]}" -np 1 "$BIN/tessera-mapblocks" --shape ${N}x$N --chunks ${C}x$C --init ones \
    --op square --reduce sum --output "$WORK/t.h5" --no-xdmf --report "$WORK/w.json" -q > /dev/null
  tess_h5_12+="$(json_get "$WORK/w.json" "['metrics']['compute_s'] + d['metrics']['write_s']") "
done
tess_h5=$(echo "$tess_h5" | samples)
tess_h5_12=$(echo "$tess_h5_12" | samples)
rm -f "$WORK/t.h5"

echo "== 3. write bandwidth: 512 MiB (8192^2 float64), interleaved"
W=8192
s_tess="" s_tess_nosync="" s_plain="" s_plain_sync="" s_h5py="" s_dd=""
for r in $(seq "$REPS"); do
  rm -f "$WORK"/*.h5 "$WORK/dd.bin"; sync
  OMP_NUM_THREADS=1 "${MPIRUN[@]}" -np 2 "$BIN/tessera-mapblocks" --shape ${W}x$W --chunks 1024x1024 --init ones \
    --op square --reduce sum --output "$WORK/t.h5" --no-xdmf --report "$WORK/b.json" -q > /dev/null
  s_tess+="$(json_get "$WORK/b.json" "['metrics']['write_s']") "
  rm -f "$WORK/t.h5"; sync
  OMP_NUM_THREADS=1 "${MPIRUN[@]}" -np 2 "$BIN/tessera-mapblocks" --shape ${W}x$W --chunks 1024x1024 --init ones \
    --op square --reduce sum --output "$WORK/t.h5" --no-xdmf --no-sync --report "$WORK/b.json" -q > /dev/null
  s_tess_nosync+="$(json_get "$WORK/b.json" "['metrics']['write_s']") "
  rm -f "$WORK/t.h5"; sync
  s_plain+="$("${MPIRUN[@]}" -np 2 "$BIN/bench-h5write_plain" $W $W "$WORK/p.h5" 1 | cut -d' ' -f1) "
  rm -f "$WORK/p.h5"; sync
  s_plain_sync+="$("${MPIRUN[@]}" -np 2 "$BIN/bench-h5write_plain" $W $W "$WORK/p.h5" 1 sync | cut -d' ' -f1) "
  rm -f "$WORK/p.h5"; sync
  s_h5py+="$($PY "$HERE/dask_peers.py" h5py $W 1 "$WORK/h.h5") "
  rm -f "$WORK/h.h5"; sync
  t0=$(date +%s%N)
  dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=512 conv=fdatasync status=none
  s_dd+="$(( $(date +%s%N) - t0 ))e-9 "
done
rm -f "$WORK/dd.bin"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

$PY - "$RESULTS/mapblocks.json" <<EOF
import json, statistics, subprocess, sys
def med(xs): return statistics.median(xs)
S = {
  "compute_dask_threads2": [$dask_compute],
  "compute_tessera_2ranks_1thread": [$t21],
  "compute_tessera_1rank_2threads": [$t12],
  "to_hdf5_dask": [$dask_h5],
  "output_tessera_2ranks_1thread": [$tess_h5],
  "output_tessera_1rank_2threads": [$tess_h5_12],
  "write512_tessera_2ranks": [$(echo "$s_tess" | samples)],
  "write512_tessera_nosync_2ranks": [$(echo "$s_tess_nosync" | samples)],
  "write512_plain_c_2ranks": [$(echo "$s_plain" | samples)],
  "write512_plain_c_sync_2ranks": [$(echo "$s_plain_sync" | samples)],
  "write512_h5py": [$(echo "$s_h5py" | samples)],
  "write512_dd_fdatasync": [$(echo "$s_dd" | samples)],
}
M = {k: med(v) for k, v in S.items()}
gb = 8192 * 8192 * 8 / 1e9
bw = {k.replace("write512_", ""): gb / M[k] for k in M if k.startswith("write512_")}
R = {
  "compute_speedup_vs_dask_2ranks_x_1thread": M["compute_dask_threads2"] / M["compute_tessera_2ranks_1thread"],
  "compute_speedup_vs_dask_1rank_x_2threads": M["compute_dask_threads2"] / M["compute_tessera_1rank_2threads"],
  "output_speedup_vs_dask_to_hdf5_2ranks_x_1thread": M["to_hdf5_dask"] / M["output_tessera_2ranks_1thread"],
  "output_speedup_vs_dask_to_hdf5_1rank_x_2threads": M["to_hdf5_dask"] / M["output_tessera_1rank_2threads"],
  "write_bw_vs_plain_c_parallel_hdf5_same_durability": bw["tessera_2ranks"] / bw["plain_c_sync_2ranks"],
  "write_bw_vs_plain_c_parallel_hdf5_no_sync": bw["tessera_nosync_2ranks"] / bw["plain_c_2ranks"],
  "write_bw_durable_vs_plain_c_no_sync": bw["tessera_2ranks"] / bw["plain_c_2ranks"],
  "write_bw_vs_h5py": bw["tessera_2ranks"] / bw["h5py"],
  "write_bw_vs_dd_fdatasync": bw["tessera_2ranks"] / bw["dd_fdatasync"],
}
targets = {"compute_speedup_vs_dask_2ranks_x_1thread": 3.0, "compute_speedup_vs_dask_1rank_x_2threads": 3.0,
           "write_bw_vs_plain_c_parallel_hdf5_same_durability": 0.9, "write_bw_vs_plain_c_parallel_hdf5_no_sync": 0.9}
git = subprocess.run(["git", "-C", "$ROOT", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
out = {
  "benchmark": "mapblocks", "git_hash": git, "repetitions": $REPS, "compute_repetitions": $CREPS, "kernel_isa": "$isa",
  "machine": {"cores": $(nproc), "cpu": """$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')""",
              "loadavg_start": "$load_start", "loadavg_end": "$load_end"},
  "sizes": {"compute": "${N}x${N} float64, ${C}x${C} chunks", "write": "8192x8192 float64 (512 MiB)"},
  "samples_s": S, "median_s": M, "write_GBps": bw, "ratios": R,
  "targets": {k: {"min": v, "met": R[k] >= v} for k, v in targets.items()},
}
json.dump(out, open(sys.argv[1], "w"), indent=2)
print()
print(f"{'measurement':44s} {'median s':>10s}")
for k, v in M.items(): print(f"{k:44s} {v:10.4f}")
print()
print(f"{'write 512 MiB':44s} {'GB/s':>10s}")
for k, v in bw.items(): print(f"{k:44s} {v:10.3f}")
print()
print(f"{'ratio':50s} {'value':>8s} {'target':>10s}")
for k, v in R.items():
  t = targets.get(k)
  print(f"{k:50s} {v:8.2f} {('>= %.1f %s' % (t, 'ok' if v >= t else 'MISSED')) if t else '':>10s}")
print("\nwritten", sys.argv[1])
EOF
