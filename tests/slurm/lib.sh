# shellcheck shell=bash
# tests/slurm/lib.sh: helpers for the slurm.* tests (source it; not a test itself).
#
#   source "$(dirname "$0")/lib.sh"
#   slurm_up                       # start the local Slurm (jobs/local/start-slurm.sh), source its env.sh,
#                                  # and stop it again at exit, even on failure, if this test started it
#   submit_wait 120 -o out.txt job.sh arg   # sbatch --wait with a timeout; sets JOB_ID, returns the exit code
#   submit -d afterok:"$JOB_ID" job2.sh       # plain sbatch; sets JOB_ID
#   expect_state "$JOB_ID" COMPLETED
#   fail "what went wrong"
#
# A cluster that was already running before the test (started by hand) is reused and left running.
# Each test gets a scratch directory $WORK (kept, with its path printed, when the test fails).
# Environment from ctest: TESSERA_SOURCE_DIR, TESSERA_BUILD_DIR, the OMPI_* root variables.
set -euo pipefail

TESSERA_SOURCE_DIR=${TESSERA_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TESSERA_BUILD_DIR=${TESSERA_BUILD_DIR:-$TESSERA_SOURCE_DIR/build/default}
export TESSERA_SOURCE_DIR TESSERA_BUILD_DIR
export TESSERA_SLURM_BASE=${TESSERA_SLURM_BASE:-/tmp/tessera-slurm}
PATH=$PATH:/usr/sbin:/sbin

readonly SLURM_START=$TESSERA_SOURCE_DIR/jobs/local/start-slurm.sh
readonly SLURM_STOP=$TESSERA_SOURCE_DIR/jobs/local/stop-slurm.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-slurm-test.XXXXXX")
JOB_ID=""
_slurm_started_here=0
_jobs_submitted=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

_slurm_cleanup() {
  local rc=$? f
  trap - EXIT INT TERM
  if [[ ${#_jobs_submitted[@]} -gt 0 && -n ${SLURM_CONF:-} ]]; then
    scancel "${_jobs_submitted[@]}" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 ]]; then
    echo "---- test failed (exit $rc); scratch kept in $WORK ----" >&2
    for f in "$WORK"/*.out "$TESSERA_SLURM_BASE/log/slurmctld.log" "$TESSERA_SLURM_BASE/log/slurmd.log"; do
      [[ -r $f ]] || continue
      echo "---- last lines of $f ----" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [[ $_slurm_started_here -eq 1 ]]; then
    "$SLURM_STOP" 9>&- || rc=1
  fi
  [[ $rc -ne 0 ]] || rm -rf "$WORK"
  exit "$rc"
}
trap _slurm_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start the local cluster unless it is already up; make the clients use it.
# Tests from several build trees share one cluster (same base directory and ports): a lock held
# until the test exits makes them take turns, so none stops the cluster under another.
slurm_up() {
  [[ -x $SLURM_START ]] || fail "missing $SLURM_START"
  exec 9>"$TESSERA_SLURM_BASE.lock"
  if ! flock -n 9; then
    echo "waiting for another Slurm test (lock $TESSERA_SLURM_BASE.lock)"
    flock -w 600 9 || fail "another Slurm test held $TESSERA_SLURM_BASE.lock for 600 s"
  fi
  if ! [[ -r $TESSERA_SLURM_BASE/run/slurmctld.pid && -r $TESSERA_SLURM_BASE/env.sh ]] \
     || ! SLURM_CONF=$TESSERA_SLURM_BASE/etc/slurm.conf scontrol ping >/dev/null 2>&1; then
    _slurm_started_here=1
  fi
  "$SLURM_START" 9>&- || fail "jobs/local/start-slurm.sh failed"   # daemons must not hold the lock
  # shellcheck source=/dev/null
  source "$TESSERA_SLURM_BASE/env.sh"
}

# submit_wait TIMEOUT_S SBATCH_ARGS... : submit with 'sbatch --wait', give up (and cancel) after
# TIMEOUT_S seconds. Sets JOB_ID; returns the job's exit code (sbatch --wait passes it on), 124 on
# timeout. Note: a job cancelled before it ran (e.g. an afterok dependency that can never be met)
# also returns 0: check its state with expect_state.
submit_wait() {
  local timeout_s=$1 idfile rc=0
  shift
  idfile=$(mktemp "$WORK/.jobid.XXXXXX")
  timeout "$timeout_s" sbatch --wait --parsable "$@" >"$idfile" || rc=$?
  JOB_ID=$(head -n 1 "$idfile" | cut -d';' -f1)
  rm -f "$idfile"
  [[ -n $JOB_ID ]] || fail "sbatch $* did not submit (exit $rc)"
  _jobs_submitted+=("$JOB_ID")
  if [[ $rc -eq 124 ]]; then
    scancel "$JOB_ID" 2>/dev/null || true
    echo "submit_wait: job $JOB_ID still not finished after ${timeout_s} s; cancelled" >&2
  fi
  return "$rc"
}

# submit SBATCH_ARGS... : plain sbatch, no waiting; sets JOB_ID (call it directly, not in $(...)).
submit() {
  local out
  out=$(sbatch --parsable "$@") || fail "sbatch $* failed"
  JOB_ID=${out%%;*}
  _jobs_submitted+=("$JOB_ID")
}

# Final state of a finished job, from the job completion file (no slurmdbd here): the last record
# wins, so a requeued job reports how its last run ended.
job_state() {
  sacct -c -n -P -o state -j "$1" 2>/dev/null | tail -n 1
}

expect_state() {  # JOB_ID STATE
  local got
  got=$(job_state "$1")
  [[ $got == "$2" ]] || fail "job $1 ended $got, expected $2"
}

# wait_for_state JOB_ID STATE TIMEOUT_S : poll squeue until the job is in STATE (e.g. RUNNING).
wait_for_state() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    [[ $(squeue -h -j "$1" -o %T 2>/dev/null) == "$2" ]] && return 0
    sleep 0.1
  done
  fail "job $1 not $2 after $3 s (now: $(squeue -h -j "$1" -o %T 2>/dev/null || echo gone))"
}

# wait_done JOB_ID TIMEOUT_S : wait until the job has finished for good (a requeued job is not done).
wait_done() {
  local i st
  for ((i = 0; i < $2 * 10; i++)); do
    st=$(squeue -h -t all -j "$1" -o %T 2>/dev/null || true)
    case $st in
      ""|COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) return 0 ;;
    esac
    sleep 0.1
  done
  scancel "$1" 2>/dev/null || true
  fail "job $1 not finished after $2 s (state $st); cancelled"
}

# wait_for_line FILE LINE TIMEOUT_S : wait until a job's output file holds LINE (a whole line).
wait_for_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qx -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "'$2' not in $1 after $3 s"
}
