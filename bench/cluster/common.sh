# shellcheck shell=bash
# bench/cluster/common.sh: what the benchmarks on the emulated cluster share (sourced, not run):
# the build, root, a cluster base of their own, a scratch directory on the shared file system, and
# the cluster stopped again at exit.  Set OUT (default result file) and NAME before sourcing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-${BUILD_DIR:-$ROOT/build/default}}
BIN=$BUILD/bin
REPS=${REPS:-3}
[[ -x $BIN/tessera-taskfarm ]] || { echo "no $BIN/tessera-taskfarm: build first" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "$NAME needs root (the emulated cluster)" >&2; exit 2; }
export TESSERA_CLUSTER_BASE=${TESSERA_BENCH_CLUSTER_BASE:-/var/tmp/tessera-bench-cluster}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
WORK=$(mktemp -d /var/tmp/tessera-bench-work.XXXXXX)   # not /tmp: node-local inside the cluster
START=$ROOT/jobs/local/start-cluster.sh STOP=$ROOT/jobs/local/stop-cluster.sh
cleanup() { "$STOP" --quiet || true; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
echo "$NAME: $REPS repetitions, $(getconf _NPROCESSORS_ONLN) CPUs, load $(load)"
LOAD_BEFORE=$(load)
