# tests/apps/lib.sh: helpers for the end-to-end scripts (sourced, not run).
# The environment comes from ctest: TESSERA_BIN_DIR, TESSERA_SOURCE_DIR, MPIEXEC, MPIEXEC_FLAGS.
set -euo pipefail
BIN=${TESSERA_BIN_DIR:?run through ctest}
MPIEXEC=${MPIEXEC:-mpirun}
read -r -a MPI_FLAGS <<<"${MPIEXEC_FLAGS:-}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILS=0
PASSES=0

# mpi NP cmd...   : runs under the launcher (60 s limit: a hang is a failure)
mpi() {
  local np=$1
  shift
  timeout -k 5 120 "$MPIEXEC" -np "$np" "${MPI_FLAGS[@]}" "$@"
}
ok() { PASSES=$((PASSES + 1)); echo "ok   - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
# expect_rc WANT DESC cmd...  : runs cmd capturing stdout+stderr in $OUT, checks the exit code
expect_rc() {
  local want=$1 desc=$2
  shift 2
  set +e
  OUT=$("$@" 2>&1)
  local rc=$?
  set -e
  if [[ $rc -eq $want ]]; then ok "$desc (exit $rc)"; else fail "$desc: exit $rc, expected $want"; echo "$OUT" | tail -20; fi
}
expect_contains() {
  local text=$1 desc=$2
  if grep -qE -- "$text" <<<"$OUT"; then ok "$desc"; else fail "$desc: no /$text/ in output"; echo "$OUT" | tail -20; fi
}
expect_not_contains() {
  local text=$1 desc=$2
  if grep -qE -- "$text" <<<"$OUT"; then fail "$desc: /$text/ found in output"; echo "$OUT" | tail -20; else ok "$desc"; fi
}
expect_file() { if [[ -s "$1" ]]; then ok "$2"; else fail "$2: $1 missing or empty"; fi; }
expect_no_file() { if [[ -e "$1" ]]; then fail "$2: $1 exists"; else ok "$2"; fi; }
# gpu_present: a CUDA device is visible (nvidia-smi lists one).
gpu_present() {
  command -v nvidia-smi >/dev/null 2>&1 && grep -q '^GPU ' <<<"$(nvidia-smi -L 2>/dev/null)"
}
# finish: summary line and exit status
finish() {
  echo "$PASSES passed, $FAILS failed"
  [[ $FAILS -eq 0 ]]
}
