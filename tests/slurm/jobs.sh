#!/usr/bin/env bash
# slurm.jobs: every script in jobs/ submitted with `sbatch --wait` to the local Slurm at small sizes;
# exit codes, verdicts and outputs checked. Both launchers (srun --mpi=pmix and mpirun) are used.
# With TESSERA_TEST_SBATCH_ARGS=--nodes=N (cluster.slurm_jobs) every job runs on N nodes.
# jobs/matmul-gpu.sbatch is left out: it asks for GPUs (--gpus-per-task), which this Slurm has not.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
slurm_up
cd "$WORK" || exit 3
export TESSERA_HOME=$TESSERA_SOURCE_DIR TESSERA_BIN=$TESSERA_BUILD_DIR/bin TESSERA_OUT=$WORK/out
J=$TESSERA_SOURCE_DIR/jobs

NODES=1
for a in "${SBATCH_EXTRA[@]}"; do [[ $a == --nodes=* ]] && NODES=${a#--nodes=}; done

json_get() {  # FILE EXPR  -> prints python expression over r (the parsed report)
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

# --- affinity, srun: 2 ranks bound to one core each, no warnings even with --strict --------------
rc=0
AFFINITY_STRICT=1 submit_wait 120 -o aff.out "$J/affinity.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat aff.out; fail "affinity.sbatch (srun, strict) returned $rc"; }
expect_state "$JOB_ID" COMPLETED
grep -q '^VERIFIED' aff.out || fail "affinity: no VERIFIED line"
rep=$TESSERA_OUT/affinity-$JOB_ID.json
[[ -s $rep ]] || fail "affinity: no report $rep"
[[ $(json_get "$rep" "len({(t['rank']) for t in r['table']})") == $((2 * NODES)) ]] || fail "affinity: report does not hold $((2 * NODES)) ranks"
[[ $(json_get "$rep" "len(r['run']['hosts'])") == "$NODES" ]] || fail "affinity: the ranks are not on $NODES host(s)"

# --- affinity, mpirun inside the allocation --------------------------------------------------------
rc=0
TESSERA_LAUNCHER=mpirun submit_wait 120 -o aff2.out "$J/affinity.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat aff2.out; fail "affinity.sbatch (mpirun) returned $rc"; }
grep -q '^VERIFIED' aff2.out || fail "affinity (mpirun): no VERIFIED line"

# --- taskfarm: a built-in kernel, then a command file with a failing command -------------------------
rc=0
TASKFARM_SIZE=512x512 submit_wait 120 -o tf.out "$J/taskfarm.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat tf.out; fail "taskfarm.sbatch (mandelbrot) returned $rc"; }
grep -q '^VERIFIED' tf.out || fail "taskfarm: no VERIFIED line"
h5dump -H "$TESSERA_OUT/taskfarm-$JOB_ID.h5" >tf.h5dump || fail "taskfarm: h5dump cannot read the output"
grep -q 'GROUP "tasks"' tf.h5dump || fail "taskfarm: no /results/tasks table"
printf 'echo one\nexit 3\necho three\n' >cmds.txt
rc=0
TASKFARM_COMMANDS=$WORK/cmds.txt submit_wait 120 -o tf2.out "$J/taskfarm.sbatch" || rc=$?
[[ $rc -eq 1 ]] || { cat tf2.out; fail "taskfarm.sbatch with a failing command returned $rc, expected 1"; }
grep -Eq '1 failed' tf2.out || fail "taskfarm: the failed command is not counted"

# --- dependency chain: mapblocks writes a file, inspect (afterok) reads it and draws it -------------
MAPBLOCKS_SHAPE=600x400 MAPBLOCKS_CHUNKS=100x100 MAPBLOCKS_INIT=arange MAPBLOCKS_OPS="scale:0.001 square" \
  submit -o mb.out "$J/mapblocks.sbatch"
mb=$JOB_ID
rc=0
INSPECT_FILE=$TESSERA_OUT/mapblocks-$mb.h5 submit_wait 180 -o insp.out -d "afterok:$mb" "$J/inspect.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat mb.out insp.out; fail "inspect after mapblocks returned $rc"; }
expect_state "$mb" COMPLETED
expect_state "$JOB_ID" COMPLETED
grep -q '^VERIFIED' mb.out || fail "mapblocks: no VERIFIED line"
grep -q '^VERIFIED' insp.out || fail "inspect: no VERIFIED line"
[[ -s $TESSERA_OUT/mapblocks-$mb.png ]] || fail "inspect drew no PNG"
h5dump -d /fields/array -s 599,399 -c 1,1 "$TESSERA_OUT/mapblocks-$mb.h5" >mb.h5dump || fail "h5dump cannot read mapblocks output"
# last element: arange index 599*400+399 = 239999, scaled by 0.001 and squared = 57599.52...
grep -q '57599.5' mb.h5dump || { cat mb.h5dump; fail "mapblocks output holds the wrong last value"; }

# --- matmul through mpirun inside the allocation, 2x1 grid, odd sizes, C checked in the file -----------
rc=0
TESSERA_LAUNCHER=mpirun MATMUL_M=301 MATMUL_N=203 MATMUL_K=157 MATMUL_INIT=structured \
  submit_wait 120 -o mm.out "$J/matmul.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat mm.out; fail "matmul.sbatch returned $rc"; }
grep -q '^VERIFIED' mm.out || fail "matmul: no VERIFIED line"
h5dump -H "$TESSERA_OUT/matmul-$JOB_ID.h5" >mm.h5dump || fail "matmul: h5dump cannot read C"
grep -q 'DATASPACE  SIMPLE { ( 301, 203 )' mm.h5dump || { cat mm.h5dump; fail "matmul: C is not 301x203"; }

# --- the whole suite as one job --------------------------------------------------------------------
rc=0
submit_wait 300 -o suite.out "$J/suite.sbatch" || rc=$?
[[ $rc -eq 0 ]] || { cat suite.out; fail "suite.sbatch returned $rc"; }
n_apps=$(grep -cE '^[a-z-]+ +.* VERIFIED +[0-9.]+$' suite.out || true)
[[ $n_apps -ge 9 ]] || { cat suite.out; fail "suite: expected >= 9 VERIFIED rows, saw $n_apps"; }
[[ -s $TESSERA_OUT/suite-$JOB_ID/mandelbrot.png ]] || fail "suite: no mandelbrot.png"

echo "slurm.jobs: all job scripts passed"
