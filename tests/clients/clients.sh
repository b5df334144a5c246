#!/usr/bin/env bash
# Real clients on real outputs (issue 13): h5py, xarray (h5netcdf and netcdf4 engines), netCDF4-python,
# ncdump and ParaView (pvpython under xvfb-run) open what Tessera writes with no options and see
# named dimensions, coordinates, units and times; tessera-inspect --validate finds nothing wrong.
#
# Outputs: heat 2D (an off-centre hot spot, snapshots), heat 3D, a heat run restarted on another
# rank count from a checkpoint that carries the snapshots, mapblocks 2D and 3D (and one at the root
# group, for ParaView's NetCDF reader, which reads no groups), taskfarm (mandelbrot and shell commands:
# string columns) and matmul. check_files.py compares every variable each client reads with h5py's
# bit for bit and checks the layout; paraview_check.py checks ParaView's bounds (2D in the X-Y plane)
# and renders the hot spot, which must land in the same quadrant as in tessera-inspect --png.
#
# Outside CI a missing client is a skip (exit 77, the reason on stdout); under CI it is a failure.
set -euo pipefail
BIN=${TESSERA_BIN_DIR:?run through ctest}
SRC=${TESSERA_SOURCE_DIR:?run through ctest}
MPIEXEC=${MPIEXEC:-mpiexec}
read -r -a FLAGS <<<"${MPIEXEC_FLAGS:-}"
PY=/usr/bin/python3
HERE="$SRC/tests/clients"

missing=()
[[ -x $PY ]] || missing+=(python3)
for mod in h5py xarray h5netcdf netCDF4 numpy PIL; do
  [[ -x $PY ]] && ! $PY -c "import $mod" 2>/dev/null && missing+=("python3 module $mod")
done
for tool in ncdump pvpython xvfb-run; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]})); then
  if [[ -n ${CI:-} ]]; then
    echo "FAIL: clients missing under CI: ${missing[*]} (cmake/install-deps.sh --clients installs them)"
    exit 1
  fi
  echo "SKIP: clients missing: ${missing[*]} (install them with cmake/install-deps.sh --clients)"
  exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-clients.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export OMP_NUM_THREADS=1
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {  # NP program args...
  local np=$1 prog=$2
  shift 2
  timeout -k 5 180 "$MPIEXEC" "${FLAGS[@]}" -np "$np" "$BIN/$prog" "$@" -q > run.log 2>&1 || { cat run.log; fail "$prog $*"; }
}

echo "== outputs"
run 2 tessera-heat --dims 2 --n 96 --steps 40 --init hotspot --snapshot-every 20 --output heat2d.h5
run 2 tessera-heat --dims 3 --n 20 --steps 10 --snapshot-every 5 --output heat3d.h5
mkdir ck
run 2 tessera-heat --dims 2 --n 64 --steps 30 --snapshot-every 10 --checkpoint-every 20 --checkpoint-dir ck \
  --output first.h5
run 3 tessera-heat --steps 60 --snapshot-every 10 --restart ck --output restarted.h5
run 2 tessera-mapblocks --shape 60x40 --chunks 30x20 --init random:3 --op square --units m --output mb2d.h5
run 2 tessera-mapblocks --shape 12x10x8 --chunks 6x5x4 --init arange --dtype float32 --output mb3d.h5
run 2 tessera-mapblocks --shape 30x20 --dataset /a --output mbroot.h5
run 3 tessera-taskfarm --kernel mandelbrot --width 80 --height 60 --max-iter 100 --output farm.h5
printf '%s\n' 'echo hello' 'printf "h\303\251llo w\303\266rld"' 'exit 3' > jobs.txt
run 2 tessera-taskfarm --commands jobs.txt --allow-failures --output cmds.h5
run 2 tessera-matmul --m 24 --n 18 --k 12 --write-inputs --output matmul.h5
files=(heat2d.h5 heat3d.h5 first.h5 restarted.h5 ck/heat-00000020.h5 mb2d.h5 mb3d.h5 mbroot.h5 farm.h5 cmds.h5 matmul.h5)

echo "== tessera-inspect --validate"
for f in "${files[@]}"; do
  "$BIN/tessera-inspect" "$f" --validate > v.log 2>&1 || { cat v.log; fail "--validate $f"; }
  grep -q '^VERIFIED$' v.log || { cat v.log; fail "--validate $f printed no VERIFIED"; }
done

echo "== ncdump"
for f in "${files[@]}"; do ncdump -h "$f" > "$f.cdl" 2> nc.err || { cat nc.err; fail "ncdump -h $f"; }; done
grep -q 'double u(y, x) ;' heat2d.h5.cdl || fail "ncdump: heat u(y, x)"
grep -q 'double u(z, y, x) ;' heat3d.h5.cdl || fail "ncdump: heat u(z, y, x)"
grep -q 'string :Conventions = "CF-1.8" ;' heat2d.h5.cdl || fail "ncdump: Conventions"
grep -q 'string u:units = "1" ;' heat2d.h5.cdl || fail "ncdump: units of u"
grep -q 'string x:units = "m" ;' heat2d.h5.cdl || fail "ncdump: units of x"
grep -q 'string time:standard_name = "time" ;' heat2d.h5.cdl || fail "ncdump: the time coordinate"
grep -q 'string l2:coordinates = "step" ;' heat2d.h5.cdl || fail "ncdump: l2's auxiliary coordinate"
grep -q 'int mandelbrot(y, x) ;' farm.h5.cdl || fail "ncdump: mandelbrot(y, x)"
grep -q 'string node(task) ;' cmds.h5.cdl || fail "ncdump: string column node(task)"
grep -q 'double C(i, j) ;' matmul.h5.cdl || fail "ncdump: C(i, j)"
grep -q 'double A(i, k) ;' matmul.h5.cdl || fail "ncdump: A(i, k)"
ncdump -v output -g results/tasks cmds.h5 > out.cdl 2>&1 || ncdump -v output cmds.h5 > out.cdl
grep -q 'h\\303\\251llo w\\303\\266rld\|héllo wörld' out.cdl || { cat out.cdl; fail "ncdump: the UTF-8 output column"; }
echo "ok"

echo "== h5py, xarray (h5netcdf, netcdf4), netCDF4-python"
$PY "$HERE/check_files.py" "$WORK" || fail "check_files.py"

echo "== ParaView (pvpython under xvfb-run) and tessera-inspect --png"
"$BIN/tessera-inspect" heat2d.h5 /fields/u --png inspect.png --colormap gray > png.log 2>&1 || { cat png.log; fail "inspect --png"; }
timeout -k 5 300 xvfb-run -a pvpython "$HERE/paraview_check.py" "$WORK" > pv.log 2>&1 || { cat pv.log; fail "paraview_check.py"; }
grep -v '^\s*$' pv.log | grep -E '^(ok|FAIL)' || true
grep -q '^ALL OK$' pv.log || { cat pv.log; fail "paraview_check.py did not finish"; }
$PY "$HERE/check_files.py" "$WORK" --quadrants inspect.png paraview.png || fail "hot spot quadrants"
echo "all clients agree"
