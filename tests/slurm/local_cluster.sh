#!/usr/bin/env bash
# slurm.local_cluster: the local single-node Slurm (jobs/local/) runs Tessera MPI jobs.
#
# Starts the cluster (stopped again at exit, even on failure), then checks that
#  - a 2-task batch job runs an MPI program with 'srun --mpi=pmix' and with 'mpirun' inside the
#    allocation, and both see 2 ranks and pass;
#  - 'sbatch --wait' returns the job's exit code (a job that exits 3 gives 3);
#  - a two-job afterok chain runs in order, the second after the first has finished;
#  - a job that depends (afterok) on a failed job is cancelled at once instead of pending forever.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"

bin=$TESSERA_BUILD_DIR/tests/mpi.comm
[[ -x $bin ]] || fail "missing $bin: build the tests first (cmake --build build/default)"
slurm_up
cd "$WORK" || exit 3

# --- MPI through srun (PMIx) and through mpirun inside the allocation -----------------------------
cat >mpi.sbatch <<'JOB'
#!/bin/bash
#SBATCH --job-name=tessera-mpi --ntasks=2 --time=5
set -euo pipefail
echo "ntasks=$SLURM_NTASKS"
srun --mpi=pmix -n 2 "$1" --gtest_brief=1
echo "srun done"
mpirun -np 2 "$1" --gtest_brief=1
echo "mpirun done"
JOB
rc=0
submit_wait 180 -o mpi.out mpi.sbatch "$bin" || rc=$?
[[ $rc -eq 0 ]] || fail "MPI job $JOB_ID: sbatch --wait returned $rc, expected 0"
expect_state "$JOB_ID" COMPLETED
grep -qx 'ntasks=2' mpi.out || fail "MPI job: SLURM_NTASKS is not 2"
grep -qx 'srun done' mpi.out || fail "MPI job: srun step did not finish"
grep -qx 'mpirun done' mpi.out || fail "MPI job: mpirun did not finish"
n=$(grep -c 'running on 2 rank(s)' mpi.out || true)
[[ $n -eq 2 ]] || fail "MPI job: expected 2 runs on 2 ranks, saw $n"
n=$(grep -c 'PASSED' mpi.out || true)
[[ $n -eq 2 ]] || fail "MPI job: expected 2 passing runs, saw $n"
! grep -q 'FAILED' mpi.out || fail "MPI job: a test failed"

# --- exit codes pass through sbatch --wait ---------------------------------------------------------
rc=0
submit_wait 60 -o exit3.out --wrap 'exit 3' || rc=$?
[[ $rc -eq 3 ]] || fail "job exiting 3: sbatch --wait returned $rc"
expect_state "$JOB_ID" FAILED

# --- afterok chain -------------------------------------------------------------------------------
submit -o first.out --wrap 'sleep 1; date +%s%N >first.stamp'
first=$JOB_ID
rc=0
submit_wait 60 -o second.out -d "afterok:$first" --wrap 'test -s first.stamp && date +%s%N >second.stamp' || rc=$?
[[ $rc -eq 0 ]] || fail "afterok chain: second job returned $rc"
expect_state "$first" COMPLETED
expect_state "$JOB_ID" COMPLETED
[[ -s first.stamp && -s second.stamp ]] || fail "afterok chain: a job left no stamp"
(($(<second.stamp) > $(<first.stamp))) || fail "afterok chain: second job ran before the first ended"

# --- a dependency that can never be met is cancelled (DependencyParameters=kill_invalid_depend) -----
submit -o failing.out --wrap 'exit 1'
failing=$JOB_ID
rc=0
submit_wait 60 -o never.out -d "afterok:$failing" --wrap 'touch never.ran' || rc=$?
expect_state "$failing" FAILED
expect_state "$JOB_ID" CANCELLED
[[ ! -e never.ran ]] || fail "job depending on a failed job ran"

echo "slurm.local_cluster: all checks passed"
