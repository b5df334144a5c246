# shellcheck shell=bash
# tests/support/cluster.sh: helpers for the slurm.* and cluster.* tests (source it; not a test).
#
#   source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
#   cluster_up                     # the emulated test cluster (jobs/local/start-cluster.sh, 4 nodes),
#                                  # its env.sh sourced; stopped again at exit if this test started it
#   slurm_up                       # the same (the Slurm tests run on that cluster)
#   submit_wait 120 -o out.txt job.sh arg   # sbatch --wait with a timeout; sets JOB_ID, returns the exit code
#   submit -d afterok:"$JOB_ID" job2.sh       # plain sbatch; sets JOB_ID
#   expect_state "$JOB_ID" COMPLETED
#   fail "what went wrong"
#
# The cluster needs root and Linux namespaces. Where they are missing the test is skipped (exit 77,
# which ctest shows as skipped) with the reason, except under CI=true, where it fails.
# A cluster that was already running before the test is reused and left running. Tests take turns
# on it (a lock held until the test exits). Each test gets a scratch directory $WORK on the shared
# file system (not /tmp, which is node-local inside the cluster), kept when the test fails.
# Environment from ctest: TESSERA_SOURCE_DIR, TESSERA_BUILD_DIR, the OMPI_* root variables.
set -euo pipefail

TESSERA_SOURCE_DIR=${TESSERA_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TESSERA_BUILD_DIR=${TESSERA_BUILD_DIR:-$TESSERA_SOURCE_DIR/build/default}
export TESSERA_SOURCE_DIR TESSERA_BUILD_DIR
export TESSERA_CLUSTER_BASE=${TESSERA_TEST_CLUSTER_BASE:-/var/tmp/tessera-test-cluster}
# 4 nodes: tests use all of them or a subset (--host node1,node2); a running cluster of another size
# is restarted.
TEST_NODES=${TESSERA_TEST_NODES:-4}
PATH=$PATH:/usr/sbin:/sbin

readonly CLUSTER_START=$TESSERA_SOURCE_DIR/jobs/local/start-cluster.sh
readonly CLUSTER_STOP=$TESSERA_SOURCE_DIR/jobs/local/stop-cluster.sh
mkdir -p "$TESSERA_BUILD_DIR/Testing/scratch"
WORK=$(mktemp -d "$TESSERA_BUILD_DIR/Testing/scratch/$(basename "$0" .sh).XXXXXX")
JOB_ID=""
# sbatch options added to every submission (cluster.slurm_jobs: --nodes=2)
read -r -a SBATCH_EXTRA <<<"${TESSERA_TEST_SBATCH_ARGS:-}"
_cluster_started_here=0
_jobs_submitted=()

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

_cluster_cleanup() {
  local rc=$? f
  trap - EXIT INT TERM
  if [[ ${#_jobs_submitted[@]} -gt 0 && -n ${SLURM_CONF:-} ]]; then
    scancel "${_jobs_submitted[@]}" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 ]]; then
    echo "---- test failed (exit $rc); scratch kept in $WORK ----" >&2
    for f in "$WORK"/*.out "$TESSERA_CLUSTER_BASE/log/slurmctld.log" "$TESSERA_CLUSTER_BASE"/log/slurmd-node*.log; do
      [[ -r $f ]] || continue
      echo "---- last lines of $f ----" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [[ $_cluster_started_here -eq 1 ]]; then
    "$CLUSTER_STOP" --quiet 9>&- || rc=1
  fi
  [[ $rc -ne 0 ]] || rm -rf "$WORK"
  exit "$rc"
}
trap _cluster_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# skip REASON: ctest shows the test as skipped (SKIP_RETURN_CODE 77); under CI it is a failure.
skip() {
  if [[ ${CI:-} == true ]]; then fail "cannot run under CI: $*"; fi
  echo "SKIP: $*"
  rm -rf "$WORK"
  trap - EXIT
  exit 77
}

# Start the test cluster unless it is already up; make the clients use it.
# Tests from several build trees share one cluster (same base directory): a lock held until the
# test exits makes them take turns, so none stops the cluster under another.
cluster_up() {
  [[ -x $CLUSTER_START ]] || fail "missing $CLUSTER_START"
  local why
  [[ $(id -u) -eq 0 ]] || skip "the emulated cluster needs root (namespaces, cgroups, Slurm daemons)"
  if ! why=$(unshare --net --uts --mount true 2>&1); then skip "no Linux namespaces here: $why"; fi
  mkdir -p "$(dirname "$TESSERA_CLUSTER_BASE")"
  exec 9>"$TESSERA_CLUSTER_BASE.lock"
  if ! flock -n 9; then
    echo "waiting for another cluster test (lock $TESSERA_CLUSTER_BASE.lock)"
    flock -w 900 9 || fail "another cluster test held $TESSERA_CLUSTER_BASE.lock for 900 s"
  fi
  if [[ -r $TESSERA_CLUSTER_BASE/etc/nodes && $(wc -l <"$TESSERA_CLUSTER_BASE/etc/nodes") -ne $TEST_NODES ]]; then
    "$CLUSTER_STOP" --quiet 9>&- || true
  fi
  [[ -r $TESSERA_CLUSTER_BASE/run/slurmctld.pid ]] || _cluster_started_here=1
  local rc=0
  "$CLUSTER_START" --nodes "$TEST_NODES" --lifetime 3600 9>&- || rc=$?   # daemons must not hold the lock
  [[ $rc -ne 2 ]] || skip "jobs/local/start-cluster.sh cannot make a cluster here (exit 2, reason above)"
  [[ $rc -eq 0 ]] || fail "jobs/local/start-cluster.sh failed (exit $rc)"
  # shellcheck source=/dev/null
  source "$TESSERA_CLUSTER_BASE/env.sh"
}
slurm_up() { cluster_up; }

# A program of the build, for runs on the cluster.
BIN=$TESSERA_BUILD_DIR/bin

# run_on NODES_SPEC NP TIMEOUT_S OUTFILE PROGRAM ARGS...: tessera-cluster-mpirun on the given hosts
# (e.g. node1,node2 or node1:2,node2:2), ranks filled node by node; returns the program's exit code.
run_on() {
  local hosts=$1 np=$2 t=$3 out=$4
  shift 4
  timeout "$t" tessera-cluster-mpirun --oversubscribe --bind-to none --host "$hosts" -np "$np" "$@" >"$out" 2>&1
}

# preempt_at_checkpoint JOB_ID DIR: once the job has written a checkpoint heat-*.h5 into DIR
# (within 180 s: a loaded 2-core machine may keep the first job pending or slow for a while), send
# it the preemption signal now (Slurm's --signal=B:USR1 comes only every ~30 s).
preempt_at_checkpoint() {
  local end=$((SECONDS + 180))
  until compgen -G "$2/heat-*.h5" >/dev/null || ((SECONDS >= end)); do sleep 0.05; done
  compgen -G "$2/heat-*.h5" >/dev/null || {
    squeue -j "$1" -o '%i %T %R %M' 2>&1 || true
    fail "job $1: no checkpoint in $2 after 180 s"
  }
  scancel --signal=USR1 --batch "$1" || fail "could not signal job $1"
}

# kill_node NODE: SIGKILL every process of NODE (jobs/local/kill-node.sh).
kill_node() { "$TESSERA_SOURCE_DIR/jobs/local/kill-node.sh" "$1" KILL; }

# submit_wait TIMEOUT_S SBATCH_ARGS... : submit with 'sbatch --wait', give up (and cancel) after
# TIMEOUT_S seconds. Sets JOB_ID; returns the job's exit code (sbatch --wait passes it on), 124 on
# timeout. Note: a job cancelled before it ran (e.g. an afterok dependency that can never be met)
# also returns 0: check its state with expect_state.
submit_wait() {
  local timeout_s=$1 idfile rc=0
  shift
  idfile=$(mktemp "$WORK/.jobid.XXXXXX")
  timeout "$timeout_s" sbatch --wait --parsable "${SBATCH_EXTRA[@]}" "$@" >"$idfile" || rc=$?
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
  out=$(sbatch --parsable "${SBATCH_EXTRA[@]}" "$@") || fail "sbatch $* failed"
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
