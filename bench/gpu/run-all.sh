#!/usr/bin/env bash
# bench/gpu/run-all.sh: everything the GPU pattern owes, in one run on a machine with an NVIDIA GPU
# (H100/H200), so that scarce device time goes to one call with room for a rerun after a fix.
#
#   bench/gpu/run-all.sh [OUT_DIR]      # default: bench/results/gpu-<date>
#
# 1. builds with the cuda preset (build/cuda, CUDA required, sm_90 unless CUDA_ARCH says otherwise);
# 2. ctest -L gpu: every GPU test must pass for real (a skip there is a failure);
# 3. the seed's case: tessera-matmul 10000^3 float32 on 1 rank with --backend cublas and cuda, each
#    against a bare cublasSgemm of the same size measured in the same run (bench-gemm_gpu), and
#    against torch.matmul when torch is importable;
# 4. staged SUMMA on 1 GPU shared by 2 ranks (--gpu-aware off) and the CUDA-aware probe
#    (--gpu-aware auto: direct only when MPIX_Query_cuda_support *and* a device round trip agree);
# 5. compute-sanitizer memcheck and racecheck on the GPU test binaries.
# Every figure lands in OUT_DIR/summary.txt (and the JSON reports beside it). Exit 0 only when all
# steps passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-bench/results/gpu-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
SUM=$OUT/summary.txt
: >"$SUM"
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
FAILS=0
say() { echo "$*" | tee -a "$SUM"; }
step() { say ""; say "== $*"; }
check() { if "$@"; then return 0; else FAILS=$((FAILS + 1)); say "FAILED: $*"; return 1; fi; }

step "device"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1 | tee -a "$SUM"

step "build (cuda preset)"
check cmake --preset cuda -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" >"$OUT/configure.log" 2>&1 &&
  check cmake --build build/cuda -j "$(getconf _NPROCESSORS_ONLN)" >"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log" "$OUT/configure.log" 2>/dev/null; exit 1; }
B=build/cuda/bin

step "ctest -L gpu (none may skip here)"
(cd build/cuda && ctest -L gpu --output-on-failure --timeout 600) >"$OUT/ctest-gpu.log" 2>&1
rc=$?
grep -E "tests passed|Skipped|Failed|Passed" "$OUT/ctest-gpu.log" | tee -a "$SUM"
[[ $rc -eq 0 ]] || { FAILS=$((FAILS + 1)); say "FAILED: ctest -L gpu (exit $rc)"; }
grep -q "Skipped" "$OUT/ctest-gpu.log" && { FAILS=$((FAILS + 1)); say "FAILED: a GPU test skipped on a GPU machine"; }

step "the seed's case: 10000^3 float32, 1 rank"
for be in cublas cuda; do
  mpirun -np 1 "$B/tessera-matmul" --m 10000 --n 10000 --k 10000 --dtype float32 --backend "$be" --reps 5 --warmup 1 \
    --report "$OUT/matmul-$be.json" >"$OUT/matmul-$be.log" 2>&1
  rc=$?
  say "$be: exit $rc; $(grep -E "rate:|VERIFIED|FAILED" "$OUT/matmul-$be.log" | tr '\n' ' ')"
  [[ $rc -eq 0 ]] || { FAILS=$((FAILS + 1)); say "FAILED: matmul --backend $be"; }
done
"$B/bench-gemm_gpu" 10000 --reps 7 >"$OUT/bench-gemm_gpu.log" 2>&1
say "$(cat "$OUT/bench-gemm_gpu.log")"
python3 - "$OUT" <<'PY' 2>&1 | tee -a "$SUM"
import json, re, sys
out = sys.argv[1]
log = open(f"{out}/bench-gemm_gpu.log").read()
m = re.findall(r"cublasSgemm[^\n]*?([0-9.]+)\s*GFLOP/s", log)
bare = float(m[-1]) if m else None
for be, target in (("cublas", 0.95), ("cuda", 0.6)):
    try:
        r = json.load(open(f"{out}/matmul-{be}.json"))
        g = r["metrics"]["gflops"]
        ratio = g / bare if bare else float("nan")
        print(f"ratio {be} / bare cublasSgemm: {g:.1f} / {bare} = {ratio:.3f} (target >= {target})")
    except Exception as e:
        print(f"ratio {be}: not available ({e})")
try:
    import torch, time
    a = torch.rand(10000, 10000, device="cuda"); b = torch.rand(10000, 10000, device="cuda")
    torch.matmul(a, b); torch.cuda.synchronize()
    ts = []
    for _ in range(5):
        t = time.perf_counter(); torch.matmul(a, b); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    ts.sort()
    print(f"torch.matmul 10000^3 float32: {2e12 / ts[2] * 1e-9:.1f} GFLOP/s (median of 5)")
except Exception as e:
    print(f"torch: not importable or no device ({type(e).__name__})")
PY

step "staged SUMMA: 2 ranks sharing one GPU, and the CUDA-aware probe"
for aware in off auto; do
  mpirun -np 2 --bind-to none "$B/tessera-matmul" --m 8192 --n 8192 --k 8192 --dtype float32 --backend cublas \
    --gpu-aware "$aware" --reps 3 --report "$OUT/summa-$aware.json" >"$OUT/summa-$aware.log" 2>&1
  rc=$?
  say "--gpu-aware $aware: exit $rc; $(grep -E "rate:|VERIFIED|FAILED|direct|staged" "$OUT/summa-$aware.log" | tr '\n' ' ')"
  [[ $rc -eq 0 ]] || { FAILS=$((FAILS + 1)); say "FAILED: SUMMA --gpu-aware $aware"; }
done

step "compute-sanitizer (memcheck, racecheck) on the GPU tests"
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
for t in build/cuda/tests/gpu.*; do
  [[ -x $t ]] || continue
  for tool in memcheck racecheck; do
    "$CS" --tool "$tool" --error-exitcode 9 "$t" >"$OUT/sanitizer-$tool-$(basename "$t").log" 2>&1
    rc=$?
    say "$tool $(basename "$t"): exit $rc $(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$OUT/sanitizer-$tool-$(basename "$t").log" | tr '\n' ' ')"
    [[ $rc -eq 0 ]] || FAILS=$((FAILS + 1))
  done
done

step "result"
say "$FAILS step(s) failed; figures in $SUM"
[[ $FAILS -eq 0 ]]
