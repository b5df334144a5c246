#!/usr/bin/env bash
# bench/matmul/run.sh: tessera-matmul against its peers, all measured in this one run, written to
# bench/results/matmul.json (medians of REPS >= 5 repetitions everywhere).
#
# CPU (2 ranks x 1 thread, OPENBLAS_NUM_THREADS=1, float64, N x N x N, default N = 4096):
#   tessera      mpirun -np 2 tessera-matmul --backend blas (2 x 1 grid, default panel 512)
#   dgemm pair   two bench-dgemm_local processes of the same local size (N/2 x N x N) at once: the
#                aggregate rate of two independent single-thread cblas_dgemm calls (no communication)
#   pdgemm       stock ScaLAPACK PDGEMM (Debian libscalapack-openmpi) on the same 2 x 1 grid, block
#                sizes 64 (the customary default) and 256 (a large block); bench/matmul/pdgemm.c,
#                compiled here with mpicc when ScaLAPACK is installed, skipped otherwise
#   dask         /usr/bin/python3 bench/matmul/dask_matmul.py: `a @ b`, 2 threaded workers
#   targets      tessera >= 0.9 x the dgemm pair, >= 1.5 x stock pdgemm (NB 64)
#   ROUNDS (default 3) rounds of all four back to back; ratios are taken within a round (the load of a
#   shared machine drifts) and the median over rounds is reported, with every round's figures.
# GPU (only with a CUDA device; otherwise a clear skip), one GPU, float32, GPU_N^3 (default 10000):
#   tessera-matmul --backend cublas (np 1) against a bare cublasSgemm of the same size (bench-gemm_gpu),
#   tessera-matmul --backend cuda (the own kernel) against the same cuBLAS figure, torch.matmul when
#   torch imports, and 2 ranks sharing the GPU with the staging path (--gpu-aware off) for information.
#   targets      cublas backend >= 0.95 x bare cuBLAS, own kernel >= 0.6 x cuBLAS SGEMM
#
#   bench/matmul/run.sh                       # build dir build/default; N=4096 REPS=5
#   N=2048 REPS=7 TESSERA_BUILD_DIR=/path/build bench/matmul/run.sh
#   CPU=0 bench/matmul/run.sh                 # GPU part only (GPU=0: CPU part only)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build/default}
BIN=$BUILD/bin
N=${N:-4096}
GPU_N=${GPU_N:-10000}
REPS=${REPS:-5}
ROUNDS=${ROUNDS:-3}
CPU=${CPU:-1}
GPU=${GPU:-1}
OUT=${OUT:-$ROOT/bench/results/matmul.json}
PY=/usr/bin/python3
[[ $REPS -ge 5 ]] || { echo "REPS must be >= 5" >&2; exit 2; }
[[ -x $BIN/tessera-matmul && -x $BIN/bench-dgemm_local ]] || { echo "build first: $BIN/tessera-matmul, bench-dgemm_local" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_MCA_orte_execute_quiet=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --bind-to none)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { echo "[matmul bench] $*" >&2; }

# ---- CPU ------------------------------------------------------------------------------------
# ROUNDS rounds of (tessera, dgemm pair, pdgemm, dask) back to back: on a shared machine the load
# drifts, so each ratio is taken within a round and the median over rounds is reported.
if [[ $CPU == 1 ]]; then
  have_scalapack=0
  if pkg-config --exists scalapack-openmpi 2>/dev/null || [[ -e /usr/lib/x86_64-linux-gnu/libscalapack-openmpi.so ]]; then
    libs=$(pkg-config --libs scalapack-openmpi 2>/dev/null || echo -lscalapack-openmpi)
    mpicc -O2 "$HERE/pdgemm.c" -o "$tmp/pdgemm" $libs -lopenblas -lm
    have_scalapack=1
  else
    say "ScaLAPACK not found (apt-get install libscalapack-openmpi-dev): pdgemm skipped"
  fi
  have_dask=0
  "$PY" -c 'import dask.array' 2>/dev/null && have_dask=1 || say "python3-dask not importable: dask skipped"
  for r in $(seq 1 "$ROUNDS"); do
    cut -d' ' -f1 /proc/loadavg >"$tmp/load.$r"
    say "CPU round $r/$ROUNDS: N=$N float64, 2 ranks x 1 thread, median of $REPS (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    say "  tessera-matmul --backend blas"
    "${MPIRUN[@]}" -np 2 "$BIN/tessera-matmul" --m "$N" --n "$N" --k "$N" --dtype float64 --backend blas \
      --reps "$REPS" --warmup 1 --report "$tmp/tessera_cpu.$r.json" -q >"$tmp/tessera_cpu.out"
    grep -qx VERIFIED "$tmp/tessera_cpu.out" || { echo "tessera-matmul did not verify" >&2; exit 1; }
    say "  two bench-dgemm_local $((N / 2)) x $N x $N at once"
    "$BIN/bench-dgemm_local" $((N / 2)) "$N" "$N" --reps "$REPS" >"$tmp/dgemm0.$r.json" &
    p0=$!
    "$BIN/bench-dgemm_local" $((N - N / 2)) "$N" "$N" --reps "$REPS" >"$tmp/dgemm1.$r.json"
    wait $p0
    if [[ $have_scalapack == 1 ]]; then
      : >"$tmp/pdgemm.lines"
      for nb in 64 256; do
        say "  ScaLAPACK pdgemm NB=$nb on 2x1"
        "${MPIRUN[@]}" -np 2 "$tmp/pdgemm" "$N" "$nb" "$REPS" 2 1 >>"$tmp/pdgemm.lines"
      done
      "$PY" -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1]) if l.strip()]))' \
        "$tmp/pdgemm.lines" >"$tmp/pdgemm.$r.json"
    fi
    if [[ $have_dask == 1 ]]; then
      say "  dask a @ b, 2 workers"
      "$PY" "$HERE/dask_matmul.py" --n "$N" --reps "$REPS" --workers 2 >"$tmp/dask.$r.json"
    fi
  done
fi

# ---- GPU ------------------------------------------------------------------------------------
gpu_reason=""
if [[ $GPU == 1 ]]; then
  set +e
  probe=$("$BIN/tessera-matmul" --backend cublas --m 64 --n 64 --k 64 --reps 1 --warmup 0 -q 2>&1)
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    gpu_reason=$(head -1 <<<"$probe")
    say "GPU: skipped ($gpu_reason)"
  else
    say "GPU: $GPU_N^3 float32 on one device"
    for be in cublas cuda; do
      say "tessera-matmul --backend $be (np 1)"
      "${MPIRUN[@]}" -np 1 "$BIN/tessera-matmul" --m "$GPU_N" --n "$GPU_N" --k "$GPU_N" --dtype float32 --backend "$be" \
        --reps "$REPS" --warmup 1 --report "$tmp/tessera_$be.json" -q >"$tmp/tessera_$be.out"
      grep -qx VERIFIED "$tmp/tessera_$be.out" || { echo "tessera-matmul --backend $be did not verify" >&2; exit 1; }
    done
    say "tessera-matmul --backend cublas, 2 ranks sharing the GPU, staging (--gpu-aware off)"
    "${MPIRUN[@]}" -np 2 "$BIN/tessera-matmul" --m "$GPU_N" --n "$GPU_N" --k "$GPU_N" --dtype float32 --backend cublas \
      --gpu-aware off --reps "$REPS" --warmup 1 --report "$tmp/tessera_cublas_np2.json" -q >/dev/null
    say "bare cublasSgemm (bench-gemm_gpu)"
    "$BIN/bench-gemm_gpu" "$GPU_N" --reps "$REPS" | tee "$tmp/gemm_gpu.out" >&2
    # the row of N: N own backend cublas ...
    awk -v n="$GPU_N" '$1 == n { printf "{\"own_gflops\": %s, \"backend_gflops\": %s, \"cublas_gflops\": %s}\n", $2, $3, $4 }' \
      "$tmp/gemm_gpu.out" >"$tmp/gemm_gpu.json"
    echo 'null' >"$tmp/torch.json"
    for py in python3 "$PY"; do
      if "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        say "torch.matmul ($py)"
        "$py" - "$GPU_N" "$REPS" >"$tmp/torch.json" <<'PY'
import json, statistics, sys, torch
n, reps = int(sys.argv[1]), int(sys.argv[2])
torch.backends.cuda.matmul.allow_tf32 = False  # plain FP32, as the others
a = torch.rand(n, n, device="cuda", dtype=torch.float32)
b = torch.rand(n, n, device="cuda", dtype=torch.float32)
torch.matmul(a, b); torch.cuda.synchronize()
times = []
for _ in range(reps):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); torch.matmul(a, b); e.record(); torch.cuda.synchronize()
    times.append(s.elapsed_time(e) / 1e3)
t = statistics.median(times)
print(json.dumps({"n": n, "time_s": t, "gflops": 2 * n ** 3 / t * 1e-9, "torch": torch.__version__}))
PY
        break
      fi
    done
  fi
fi

# ---- results --------------------------------------------------------------------------------
"$PY" - "$tmp" "$OUT" "$N" "$GPU_N" "$REPS" "$CPU" "$GPU" "$gpu_reason" "$ROUNDS" <<'PY'
import json, os, platform, statistics, subprocess, sys, time
tmp, out, n, gpu_n, reps, cpu, gpu, gpu_reason, rounds = sys.argv[1:10]
rounds = int(rounds)
med = statistics.median
def load(name):
    p = os.path.join(tmp, name)
    if not os.path.exists(p): return None
    with open(p) as f:
        text = f.read().strip()
    return json.loads(text) if text else None
def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"): return line.split(":", 1)[1].strip()
    return platform.processor()
res = {"benchmark": "matmul", "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "host": {"cpu": cpu_model(), "cpus": os.cpu_count(), "load_average": open("/proc/loadavg").read().split()[:3]},
       "reps": int(reps), "statistic": "median"}
try:
    res["git"] = subprocess.run(["git", "-C", os.path.dirname(out), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
except OSError:
    pass
if cpu == "1":
    per_round = []
    for r in range(1, rounds + 1):
        t = load(f"tessera_cpu.{r}.json")
        d0, d1 = load(f"dgemm0.{r}.json"), load(f"dgemm1.{r}.json")
        pd = load(f"pdgemm.{r}.json") or []
        dk = load(f"dask.{r}.json")
        row = {"load_average_1min": open(os.path.join(tmp, f"load.{r}")).read().strip(),
               "tessera": t["metrics"]["gflops"], "dgemm_pair": d0["gflops"] + d1["gflops"],
               "tessera_breakdown": {k: t["metrics"][k] for k in ("time_s", "gemm_s", "wait_s", "comm_s", "pack_s", "overlap")},
               "load_checks_ok": bool(t["verified"] and d0["ok"] and d1["ok"] and all(p["ok"] for p in pd) and (dk is None or dk["ok"]))}
        for p in pd: row[f"pdgemm_nb{p['nb']}"] = p["gflops"]
        if dk: row["dask"] = dk["gflops"]
        row["ratio_vs_dgemm_pair"] = row["tessera"] / row["dgemm_pair"]
        if "pdgemm_nb64" in row: row["ratio_vs_pdgemm_nb64"] = row["tessera"] / row["pdgemm_nb64"]
        if "pdgemm_nb256" in row: row["ratio_vs_pdgemm_nb256"] = row["tessera"] / row["pdgemm_nb256"]
        if dk: row["ratio_vs_dask"] = row["tessera"] / row["dask"]
        per_round.append(row)
    keys = sorted({k for row in per_round for k in row if isinstance(row[k], float)})
    c = {"n": int(n), "dtype": "float64", "ranks": 2, "threads_per_rank": 1, "openblas_threads": 1,
         "grid": load("tessera_cpu.1.json")["parameters"]["grid"], "panel": load("tessera_cpu.1.json")["parameters"]["panel"],
         "rounds": rounds, "gflops_median_over_rounds": {k: med([row[k] for row in per_round if k in row]) for k in keys if not k.startswith("ratio")},
         "ratios_median_over_rounds": {k: med([row[k] for row in per_round if k in row]) for k in keys if k.startswith("ratio")},
         "per_round": per_round}
    rt = c["ratios_median_over_rounds"]
    c["targets"] = {"tessera >= 0.9 x dgemm pair": rt["ratio_vs_dgemm_pair"] >= 0.9,
                    "tessera >= 1.5 x stock pdgemm (NB 64)": rt["ratio_vs_pdgemm_nb64"] >= 1.5 if "ratio_vs_pdgemm_nb64" in rt else None}
    res["cpu"] = c
if gpu == "1":
    if gpu_reason:
        res["gpu"] = {"skipped": gpu_reason}
    else:
        cb, cu, np2 = load("tessera_cublas.json"), load("tessera_cuda.json"), load("tessera_cublas_np2.json")
        bare = load("gemm_gpu.json")
        if isinstance(bare, list): bare = bare[0]
        tr = load("torch.json")
        g = {"n": int(gpu_n), "dtype": "float32", "device": cb["run"].get("device_name"),
             "tessera_cublas": {"gflops": cb["metrics"]["gflops"], "time_s": cb["metrics"]["time_s"]},
             "tessera_cuda": {"gflops": cu["metrics"]["gflops"], "time_s": cu["metrics"]["time_s"]},
             "tessera_cublas_2ranks_staging": {"gflops": np2["metrics"]["gflops"], "overlap": np2["metrics"]["overlap"],
                                               "staging_s": np2["metrics"]["staging_s"], "wait_s": np2["metrics"]["wait_s"]},
             "bare_cublas": bare, "torch": tr}
        g["ratio_cublas_backend_vs_bare"] = cb["metrics"]["gflops"] / bare["cublas_gflops"]
        g["ratio_own_kernel_vs_cublas"] = cu["metrics"]["gflops"] / bare["cublas_gflops"]
        if tr: g["ratio_cublas_backend_vs_torch"] = cb["metrics"]["gflops"] / tr["gflops"]
        g["targets"] = {"cublas_backend_vs_bare >= 0.95": g["ratio_cublas_backend_vs_bare"] >= 0.95,
                        "own_kernel_vs_cublas >= 0.6": g["ratio_own_kernel_vs_cublas"] >= 0.6}
        res["gpu"] = g
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out + ".tmp", "w") as f:
    json.dump(res, f, indent=2)
    f.write("\n")
os.replace(out + ".tmp", out)
print(json.dumps(res, indent=2))
PY
say "written: $OUT"
