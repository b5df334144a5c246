#!/usr/bin/env bash
# slurm.signals: what a long job needs from the local Slurm to checkpoint and come back.
#
#  - '--time=1 --signal=B:USR1@59' reaches a bash trap in the batch script before the time limit
#    (slurmctld checks every 30 s, so it arrives 1 to 31 s after the start);
#  - 'scancel --signal=USR1 --batch' reaches the trap at once (how to simulate a preemption);
#  - 'scontrol requeue' of a running job runs it again with SLURM_RESTART_COUNT=1 (about 10 s later:
#    AuthInfo=cred_expire=10).
# The three jobs run side by side; the whole test takes about 35 s.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"

slurm_up
cd "$WORK" || exit 3

cat >trap.sbatch <<'JOB'
#!/bin/bash
# Waits for USR1; exits 0 when it comes, 9 when it does not.
t0=$SECONDS
sleep 300 &
child=$!
trap 'echo "got USR1 after $((SECONDS - t0)) s"; kill $child; exit 0' USR1
echo ready
wait $child
echo "no USR1"
exit 9
JOB
cat >requeue.sbatch <<'JOB'
#!/bin/bash
echo "run ${SLURM_RESTART_COUNT:-0}"
if [[ ${SLURM_RESTART_COUNT:-0} -eq 0 ]]; then
  sleep 300 &
  wait
fi
JOB

submit -o timer.out --time=1 --signal=B:USR1@59 trap.sbatch
timer=$JOB_ID
submit -o manual.out --time=5 trap.sbatch
manual=$JOB_ID
submit -o requeue.out --time=5 --requeue --open-mode=append requeue.sbatch
requeue=$JOB_ID

wait_for_line manual.out ready 30   # the trap is in place
scancel --signal=USR1 --batch "$manual"
wait_for_line requeue.out 'run 0' 30
scontrol requeue "$requeue"

wait_done "$manual" 30
expect_state "$manual" COMPLETED
grep -q '^got USR1' manual.out || fail "scancel --signal=USR1 --batch did not reach the trap"

wait_done "$requeue" 60
expect_state "$requeue" COMPLETED
if [[ $(grep -c '^run ' requeue.out) -ne 2 ]] || ! grep -qx 'run 1' requeue.out; then
  fail "requeued job did not run twice: $(tr '\n' ' ' <requeue.out)"
fi

wait_done "$timer" 120
expect_state "$timer" COMPLETED
grep -q '^got USR1' timer.out || fail "--signal=B:USR1@59 did not reach the trap before the time limit"
echo "slurm.signals: $(grep '^got' timer.out) (timer signal); requeue and USR1 by scancel work"
