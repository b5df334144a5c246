#!/usr/bin/env bash
# cluster.preemption: jobs/heat.sbatch on 2 nodes (4 ranks) is preempted (its signal, USR1): it
# checkpoints, exits 75 and requeues itself; while it waits in the queue it is moved to 3 nodes
# (scontrol update NumNodes=3-3: the same 4 ranks, now 2+1+1 over three nodes), and the requeued
# run restarts from the checkpoint there. The final field is bitwise equal to an uninterrupted run.
# (Slurm 22.05 takes a new node count for a requeued job but keeps its task count.)
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3
export TESSERA_HOME=$TESSERA_SOURCE_DIR TESSERA_BIN=$TESSERA_BUILD_DIR/bin TESSERA_OUT=$WORK/out
N=512 STEPS=6000 EVERY=500
# the signal is sent once a checkpoint exists, so the ranks are up: no need to hold it back
export TESSERA_SIGNAL_GRACE=0

run_on node1:4 4 300 ref.out "$BIN/tessera-heat" --n $N --steps $STEPS -o ref.h5 || { cat ref.out; fail "reference run failed"; }

export HEAT_N=$N HEAT_STEPS=$STEPS HEAT_CKPT_EVERY=$EVERY HEAT_CKPT_DIR=$WORK/ckpt HEAT_OUTPUT=$WORK/heat.h5
submit --nodes=2 --ntasks-per-node=2 -o heat.out "$TESSERA_SOURCE_DIR/jobs/heat.sbatch"
jid=$JOB_ID
preempt_at_checkpoint "$jid" "$WORK/ckpt" || { cat heat.out; exit 1; }
# the job requeues itself and waits (cred_expire) before it may start again: move it to 3 nodes
moved=0
for ((i = 0; i < 300; i++)); do
  if [[ $(squeue -h -j "$jid" -o %T 2>/dev/null) == PENDING ]]; then
    scontrol update JobId="$jid" NumNodes=3-3 && moved=1
    break
  fi
  sleep 0.1
done
[[ $moved -eq 1 ]] || { cat heat.out; fail "the job never came back to the queue after the signal, or could not be moved to 3 nodes"; }
wait_done "$jid" 300
cat heat.out
expect_state "$jid" COMPLETED
grep -q 'checkpointed on a signal (exit 75)' heat.out || fail "the app did not checkpoint on the signal"
grep -q "requeueing job $jid" heat.out || fail "the job did not requeue itself"
grep -q 'resuming from the newest checkpoint' heat.out || fail "the requeued run did not restart from the checkpoint"
[[ $(grep -c 'heat on 4 ranks x 1 threads on 2 node(s)' heat.out) -eq 1 ]] || fail "the first run was not on 4 ranks over 2 nodes"
[[ $(grep -c 'heat on 4 ranks x 1 threads on 3 node(s)' heat.out) -eq 1 ]] || fail "the requeued run was not on 3 nodes"
[[ $(grep -c '^VERIFIED' heat.out) -eq 1 ]] || fail "expected one VERIFIED run (the restarted one)"
h5diff ref.h5 heat.h5 /fields/u /fields/u || fail "the field after preemption, requeue and restart on 3 nodes differs"
echo "cluster.preemption: 2 nodes -> checkpoint, requeue -> 3 nodes, bitwise equal"
