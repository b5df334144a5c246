#!/usr/bin/env bash
# slurm.preemption: jobs/heat.sbatch under a short time limit with an early signal. The signal makes
# tessera-heat checkpoint and exit 75, the script requeues the job, the requeued run restarts from
# the checkpoint, and the final field equals an uninterrupted run's bit for bit.
# Slurm checks timed signals only every ~30 s, so once the first checkpoint exists the test also
# sends the same signal at once (scancel --signal=USR1 --batch), exactly as --signal=B:USR1 would.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
slurm_up
cd "$WORK" || exit 3
export TESSERA_HOME=$TESSERA_SOURCE_DIR TESSERA_BIN=$TESSERA_BUILD_DIR/bin TESSERA_OUT=$WORK/out
N=1024 STEPS=20000 EVERY=1000

# the uninterrupted reference, straight from mpirun
timeout 300 mpirun -np 2 --oversubscribe "$TESSERA_BIN/tessera-heat" --n $N --steps $STEPS --output ref.h5 >ref.out 2>&1 ||
  { cat ref.out; fail "reference run failed"; }

export HEAT_N=$N HEAT_STEPS=$STEPS HEAT_CKPT_EVERY=$EVERY HEAT_CKPT_DIR=$WORK/ckpt HEAT_OUTPUT=$WORK/heat.h5
submit --time=1 --signal=B:USR1@45 -o heat.out "$TESSERA_SOURCE_DIR/jobs/heat.sbatch"
jid=$JOB_ID
preempt_at_checkpoint "$jid" "$WORK/ckpt" || { cat heat.out; exit 1; }
wait_done "$jid" 240
cat heat.out
expect_state "$jid" COMPLETED
grep -q 'checkpointed on a signal (exit 75)' heat.out || fail "the app did not checkpoint on the signal"
grep -q "requeueing job $jid" heat.out || fail "the job did not requeue itself"
grep -q 'resuming from the newest checkpoint' heat.out || fail "the requeued run did not restart from the checkpoint"
[[ $(grep -c '^VERIFIED' heat.out) -eq 1 ]] || fail "expected one VERIFIED run (the restarted one)"
h5diff ref.h5 heat.h5 /fields/u /fields/u || fail "the preempted-and-requeued field differs from the uninterrupted run"
echo "slurm.preemption: checkpoint, requeue, restart and bitwise-equal final field"
