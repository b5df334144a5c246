#!/usr/bin/env bash
# End-to-end tests of tessera-matmul: VERIFIED for random and structured inputs, float32 and float64,
# 1/2/4 ranks and several grids; inputs identical at any decomposition; an HDF5 round trip (write
# A/B with --write-inputs, read them back with --a/--b on another rank count, same C); the JSON
# report; a corrupted C reported as FAILED (exit 1, no output file); every bad input exit 2 with
# one line per rank and no output file. GPU backends run when a device is present, and otherwise
# must fail with exit 2 and say why.
source "$(dirname "$0")/lib.sh"
M=$BIN/tessera-matmul
export OMPI_MCA_orte_execute_quiet=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
PY=/usr/bin/python3

# h5data FILE PATH: the dataset's values at full precision, without the file name and attributes
h5data() { h5dump -A 0 -y -w 0 -m '%.17g' -d "$2" "$1" | sed 1d; }
# same_data F1 F2 PATH: identical values
same_data() { diff -q <(h5data "$1" "$3") <(h5data "$2" "$3") >/dev/null; }
# close_data F1 F2 PATH RTOL: same shape, |x - y| <= RTOL * max|x| elementwise
close_data() {
  "$PY" - "$4" <(h5data "$1" "$3") <(h5data "$2" "$3") <<'PY'
import re, sys
def load(path):
    text = open(path).read()
    shape = re.search(r"DATASPACE\s+SIMPLE \{ \(([^)]*)\)", text).group(1)
    data = text[text.index("DATA {") + 6:]
    return shape, [float(v) for v in re.findall(r"[-+0-9.eEnaifNAIF]+", data)]
rtol = float(sys.argv[1])
(sa, a), (sb, b) = load(sys.argv[2]), load(sys.argv[3])
assert sa == sb and len(a) == len(b) and a, (sa, sb, len(a), len(b))
scale = max(abs(v) for v in a)
worst = max(abs(x - y) for x, y in zip(a, b))
assert worst <= rtol * scale, (worst, scale)
PY
}

# json_get FILE EXPR: evaluates EXPR on the report r (Python), prints the result
json_get() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }

# --- help -----------------------------------------------------------------------------------
expect_rc 0 "--help" "$M" --help
expect_contains "mpirun -np 4 tessera-matmul --m 8192" "--help shows an example"

# --- verified runs: random / structured, float32 / float64, 1, 2, 4 ranks -------------------
for np in 1 2 4; do
  for dt in float32 float64; do
    expect_rc 0 "random $dt np$np" mpi "$np" "$M" --m 97 --n 61 --k 83 --dtype "$dt" --panel 16 --reps 1
    expect_contains "^VERIFIED$" "random $dt np$np says VERIFIED"
    expect_rc 0 "structured $dt np$np" mpi "$np" "$M" --m 75 --n 90 --k 130 --dtype "$dt" --init structured \
      --alpha 1.5 --beta -2 --panel 24 --reps 1
    expect_contains "check closed_form: ok \(max relative error over every element, 0 wrong: 0 <= tolerance" \
      "structured $dt np$np: exact closed form"
  done
done
# non-square grids, panel widths that cut the owner ranges unevenly, alpha/beta
expect_rc 0 "grid 1x2, beta" mpi 2 "$M" --m 50 --n 71 --k 45 --grid 1x2 --panel 7 --alpha -0.5 --beta 0.25 --reps 1
expect_contains "on a 1x2 grid" "the grid is used"
expect_rc 0 "grid 4x1 float32" mpi 4 "$M" --m 64 --n 33 --k 200 --grid 4x1 --dtype float32 --panel 1000 --reps 1
expect_rc 0 "grid 1x4 structured" mpi 4 "$M" --m 12 --n 40 --k 33 --grid 1x4 --init structured --panel 5 --reps 1

# --- report --------------------------------------------------------------------------------
expect_rc 0 "report" mpi 2 "$M" --m 120 --n 100 --k 80 --reps 5 --warmup 1 --report "$WORK/r.json"
expect_file "$WORK/r.json" "report written"
"$PY" - "$WORK/r.json" <<'PY' && ok "report content" || fail "report content"
import json, sys
r = json.load(open(sys.argv[1]))
m = r["metrics"]
assert r["app"] == "matmul" and r["verified"] is True, r
assert m["gflops"] > 0 and abs(m["gflops_per_rank"] * 2 - m["gflops"]) < 1e-9 * m["gflops"], m
assert len(m["times_s"]) == 5 and m["time_min_s"] <= m["time_s"], m
assert m["freivalds_residual"] < m["freivalds_tolerance"], m
assert 0 <= m["overlap"] <= 1 and m["gemm_s"] > 0 and m["panels"] >= 1, m
p = r["parameters"]
assert (p["m"], p["n"], p["k"], p["dtype"], p["backend"], p["panel"]) == (120, 100, 80, "float64", "blas", 512), p
assert r["run"]["ranks"] == 2, r["run"]
PY

# --- inputs are the same at any decomposition; HDF5 round trip -----------------------------
expect_rc 0 "write inputs np1" mpi 1 "$M" --m 70 --n 50 --k 60 --init random:7 --write-inputs --output "$WORK/ab1.h5" --reps 1
expect_rc 0 "write inputs np4" mpi 4 "$M" --m 70 --n 50 --k 60 --init random:7 --write-inputs --output "$WORK/ab4.h5" --reps 1
expect_file "$WORK/ab1.h5" "output written"
[[ -z $(find "$WORK" -maxdepth 1 -name '.ab1.h5.*.partial') ]] && ok "no temporary left" || fail "a temporary of ab1.h5 is left"
for d in A B; do
  expect_rc 0 "/fields/$d identical at 1 and 4 ranks" same_data "$WORK/ab1.h5" "$WORK/ab4.h5" "/fields/$d"
done
expect_rc 0 "C agrees at 1 and 4 ranks" close_data "$WORK/ab1.h5" "$WORK/ab4.h5" /fields/C 1e-13
expect_rc 0 "C from the files" mpi 2 "$M" --a "$WORK/ab4.h5:/fields/A" --b "$WORK/ab4.h5:/fields/B" --grid 1x2 \
  --output "$WORK/c2.h5" --reps 1
expect_contains "^VERIFIED$" "file inputs VERIFIED"
expect_contains "\(70x60\) \(60x50\), float64" "sizes and dtype come from the files"
expect_rc 0 "round trip: same C" close_data "$WORK/ab1.h5" "$WORK/c2.h5" /fields/C 1e-13
expect_rc 0 "another seed" mpi 1 "$M" --m 70 --n 50 --k 60 --init random:8 --output "$WORK/ab8.h5" --reps 1
expect_rc 1 "another seed gives another C (the comparison can fail)" close_data "$WORK/ab1.h5" "$WORK/ab8.h5" /fields/C 1e-13
expect_rc 0 "C has its attributes" h5dump -a /fields/C/alpha "$WORK/c2.h5"
expect_rc 0 "provenance" h5dump -a /app "$WORK/c2.h5"
expect_contains '"matmul"' "provenance names the app"
# float32 files: the dtype follows the file
expect_rc 0 "float32 inputs" mpi 2 "$M" --m 40 --n 30 --k 20 --dtype float32 --write-inputs --output "$WORK/f32.h5" --reps 1
expect_rc 0 "float32 from file" mpi 2 "$M" --a "$WORK/f32.h5:/fields/A" --b "$WORK/f32.h5:/fields/B" --reps 1
expect_contains "float32" "dtype float32 taken from the file"

# --- a wrong C is caught --------------------------------------------------------------------
for init in random:3 structured; do
  expect_rc 1 "corrupted C ($init)" mpi 2 "$M" --m 90 --n 80 --k 70 --init "$init" --corrupt-c --output "$WORK/bad.h5" \
    --report "$WORK/bad.json" --reps 1
  expect_contains "^FAILED \(freivalds: " "corrupted C ($init): FAILED"
  expect_no_file "$WORK/bad.h5" "corrupted C ($init): no output file"
  [[ $(json_get "$WORK/bad.json" 'r["verified"]') == False ]] && ok "report says not verified" || fail "report verified"
done
expect_rc 1 "corrupted float32 C, Freivalds alone" mpi 2 "$M" --m 200 --n 150 --k 300 --dtype float32 --corrupt-c --reps 1
expect_contains "check freivalds: FAILED \(relative residual .* > tolerance" "residual printed"

# --- bad input: exit 2, one line per rank, no output file -----------------------------------
# A (40x30) and B (25x20) from files whose inner dimensions differ
expect_rc 0 "file with A 40x30" mpi 1 "$M" --m 40 --k 30 --n 20 --write-inputs --output "$WORK/a.h5" --reps 1
expect_rc 0 "file with B 25x20" mpi 1 "$M" --m 40 --k 25 --n 20 --write-inputs --output "$WORK/b.h5" --reps 1
bad() {
  local desc=$1 pattern=$2
  shift 2
  rm -f "$WORK/out.h5"
  expect_rc 2 "$desc" mpi 2 "$M" "$@" --output "$WORK/out.h5"
  expect_contains "^error \(rank 0\): .*$pattern" "$desc: rank 0 says why"
  expect_contains "^error \(rank 1\): .*$pattern" "$desc: rank 1 says why"
  [[ $(grep -vc '^error (rank [01]): ' <<<"$OUT") -eq 0 ]] && ok "$desc: nothing but the error lines" ||
    fail "$desc: unexpected output: $OUT"
  expect_no_file "$WORK/out.h5" "$desc: no output file"
  [[ -z $(find "$WORK" -maxdepth 1 -name '.out.h5.*.partial') ]] && ok "$desc: no temporary file" || fail "$desc: a temporary of out.h5 is left"
}
bad "A and B do not fit" "A's columns \(30\) must equal B's rows \(25\)" --a "$WORK/a.h5:/fields/A" --b "$WORK/b.h5:/fields/B"
bad "non-numeric size" "--n 'ten'" --n ten
bad "zero size" "--k '0': sizes must be positive" --k 0
bad "negative size" "--m '-3'" --m -3
bad "more memory than available" "not enough memory" --m 400000 --n 400000 --k 400000
bad "--a without --b" "--a and --b go together" --a "$WORK/a.h5:/fields/A"
bad "missing input file" "nothing.h5" --a "$WORK/nothing.h5:/A" --b "$WORK/nothing.h5:/B"
bad "size disagrees with file" "--m 41 disagrees" --m 41 --a "$WORK/a.h5:/fields/A" --b "$WORK/a.h5:/fields/B"
bad "unknown init" "--init 'gauss'" --init gauss
bad "bad grid" "--grid '3x1'" --grid 3x1
bad "panel not a number" "--panel" --panel wide

# --- GPU backends without a device: a clear refusal (the runs themselves: tests/apps/matmul_gpu.sh) -
if ! gpu_present; then
  for be in cuda cublas; do
    rm -f "$WORK/g.h5"
    expect_rc 2 "--backend $be without a GPU" mpi 2 "$M" --backend "$be" --m 150 --n 130 --k 170 --gpu-aware off \
      --panel 32 --output "$WORK/g.h5" --reps 1
    expect_contains "needs a CUDA device|no CUDA support" "--backend $be: the refusal says why"
    expect_no_file "$WORK/g.h5" "--backend $be without GPU: no output"
  done
fi

finish
