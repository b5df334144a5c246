#!/usr/bin/env bash
# bench/run_all.sh: every benchmark, peers and Tessera in one run on one machine, then the report.
# Called by `make -f Makefile.hpc bench`. Each bench/<name>/run.sh writes bench/results/<name>.json
# with medians of at least 5 repetitions; bench/report.py turns them into bench/results/REPORT.md
# (ratios against targets, machine, versions, date) and PNG plots.
#
#   BUILD_DIR=build/default bench/run_all.sh            # all
#   BENCHES="heat taskfarm" bench/run_all.sh            # some (cluster: the emulated nodes, root)
#   REPS=7 bench/run_all.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/default}
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
export BUILD_DIR BIN_DIR=${BIN_DIR:-$BUILD_DIR/bin} REPS=${REPS:-5}
[[ $BIN_DIR = /* ]] || BIN_DIR=$ROOT/$BIN_DIR
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

# The peers come from Debian too: dask and h5py (python3), GNU parallel, ScaLAPACK, matplotlib.
TESSERA_EXTRA_PACKAGES="python3-dask python3-h5py python3-matplotlib parallel libscalapack-openmpi-dev" \
  "$ROOT/cmake/install-deps.sh" || echo "warning: some benchmark peers could not be installed; their rows will be missing" >&2

mkdir -p "$ROOT/bench/results"
status=0
for name in ${BENCHES:-mapblocks heat matmul taskfarm cluster}; do
  script=$ROOT/bench/$name/run.sh
  [[ -x $script ]] || { echo "== $name: no $script"; continue; }
  echo "== $name ($(date -u +%H:%M:%S))"
  if ! (cd "$ROOT" && "$script" "$BUILD_DIR"); then
    echo "warning: bench $name failed" >&2
    status=1
  fi
done
# (the GPU figures come from bench/matmul/run.sh, which runs them when a device is present)
# Debian's python3 has the matplotlib installed above (a pyenv python3 on PATH may not)
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
"$PY" "$ROOT/bench/report.py" "$ROOT/bench/results" || status=1
exit $status
