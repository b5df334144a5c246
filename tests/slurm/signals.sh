#!/usr/bin/env bash
# slurm.signals: tessera-heat's answer to each way Slurm signals a job, through jobs/heat.sbatch.
#
#  - timer:   '--time=1 --signal=B:USR1@59' (slurmctld checks every 30 s, so it arrives 1 to 31 s
#             after the start): the batch shell passes SIGUSR1 on, heat stops at a step boundary,
#             writes a checkpoint of that step and exits 75 (HEAT_REQUEUE=0: the job ends there);
#  - manual:  'scancel --signal=USR1 --batch' (how a preemption is simulated): the same, at once;
#  - requeue: 'scontrol requeue' of the running job from outside: Slurm sends SIGTERM to the job's
#             processes, heat checkpoints on it, and the requeued run (SLURM_RESTART_COUNT=1, about
#             10 s later: AuthInfo=cred_expire=10) resumes from that checkpoint and ends VERIFIED.
# Checked: what the program wrote (its summary line "<signal> received: stopped after step S,
# checkpoint written to P", the report's "preempted" entry, the checkpoint P of step S, valid), the
# job's end. Periodic checkpoints are off, so the only checkpoint is the one the signal asked for.
# slurm.preemption covers the self-requeue of heat.sbatch and the bitwise-equal restart; this one
# the three signal paths. The three jobs run side by side; the whole test takes about 35 s.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"

slurm_up
cd "$WORK" || exit 3
export TESSERA_HOME=$TESSERA_SOURCE_DIR TESSERA_BIN=$TESSERA_BUILD_DIR/bin TESSERA_OUT=$WORK/out
mkdir -p "$TESSERA_OUT"
[[ -x $TESSERA_BIN/tessera-heat ]] || fail "no $TESSERA_BIN/tessera-heat: build first"
# small steps, so the step boundary comes at once; no periodic checkpoints
export HEAT_N=192 HEAT_CKPT_EVERY=100000000 HEAT_REQUEUE=0

# heat_job NAME STEPS SBATCH_ARGS...: jobs/heat.sbatch with its own checkpoint directory and output
heat_job() {
  local name=$1 steps=$2
  shift 2
  HEAT_STEPS=$steps HEAT_CKPT_DIR=$WORK/ckpt-$name HEAT_OUTPUT=$WORK/$name.h5 \
    submit -o "$name.out" "$@" "$TESSERA_SOURCE_DIR/jobs/heat.sbatch"
}

# wait_for_text FILE TEXT TIMEOUT_S: until FILE holds TEXT somewhere
wait_for_text() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "'$2' not in $1 after $3 s"
}

# stopped_by NAME JOB SIGNAL [requeued]: the run of NAME stopped on SIGNAL (a regex) at a step S,
# wrote the checkpoint of step S, said so in its summary and (unless requeued: the next run writes
# the report anew) in its report, and exited 75; prints S.
stopped_by() {
  local name=$1 jid=$2 sig=$3 requeued=${4:-} line step ckpt
  line=$(grep -m1 -E "($sig) received: stopped after step" "$name.out") ||
    fail "$name: no '$sig received: stopped after step' in the output: $(tail -n 5 "$name.out" | tr '\n' ' ')"
  step=$(sed -E 's/.*stopped after step ([0-9]+),.*/\1/' <<<"$line")
  ckpt=$(sed -E 's/.*checkpoint written to ([^ ]+).*/\1/' <<<"$line")
  [[ $step =~ ^[0-9]+$ && $step -gt 0 ]] || fail "$name: no step in '$line'"
  [[ $ckpt == "$WORK/ckpt-$name/heat-$(printf %08d "$step").h5" ]] || fail "$name: checkpoint '$ckpt' is not the one of step $step"
  [[ -s $ckpt ]] || fail "$name: checkpoint $ckpt is missing"
  [[ $(find "$WORK/ckpt-$name" -name 'heat-*.h5' | wc -l) -eq 1 ]] || fail "$name: more than the signal's checkpoint"
  grep -qx PREEMPTED "$name.out" || fail "$name: no PREEMPTED line"
  # the batch shell says so; a requeue ends the batch shell too, so there srun's line tells
  grep -Eq 'tessera-heat checkpointed on a signal \(exit 75\)|srun: error: node[0-9]+: tasks 0-1: Exited with exit code 75' \
    "$name.out" || fail "$name: heat did not exit 75"
  [[ -n $requeued ]] || python3 - "$TESSERA_OUT/heat-$jid.json" "$sig" "$step" "$ckpt" <<'PY' || fail "$name: the report does not say where it stopped"
import json, re, sys
path, sig, step, ckpt = sys.argv[1:]
p = json.load(open(path))["preempted"]
assert re.fullmatch(sig, p["signal"]) and p["step"] == int(step) and p["checkpoint"] == ckpt, p
PY
  # valid: HDF5 that reads back whole (the field, the history, the checksums), of step S
  "$TESSERA_BIN/tessera-inspect" "$ckpt" --stats >"$name.inspect" 2>&1 || { cat "$name.inspect"; fail "$name: tessera-inspect rejects $ckpt"; }
  grep -qx VERIFIED "$name.inspect" || fail "$name: tessera-inspect --stats did not verify $ckpt"
  h5dump -a /fields/u/step "$ckpt" 2>/dev/null | grep -Eq "\(0\): $step\$" ||
    fail "$name: $ckpt does not hold step $step: $(h5dump -a /fields/u/step "$ckpt" 2>&1 | tr '\n' ' ' | cut -c1-200)"
  echo "$step"
}

heat_job timer 10000000 --time=1 --signal=B:USR1@59
timer=$JOB_ID
heat_job manual 10000000 --time=5
manual=$JOB_ID
heat_job requeue 60000 --time=5
requeue=$JOB_ID

# manual and requeue: once heat has set up (its handlers are in place before it prints its problem)
wait_for_text manual.out 'tessera-heat: 2D' 60
wait_for_text requeue.out 'tessera-heat: 2D' 60
scancel --signal=USR1 --batch "$manual" || fail "could not signal job $manual"
scontrol requeue "$requeue" || fail "could not requeue job $requeue"

wait_done "$manual" 60
expect_state "$manual" FAILED   # exit 75: checkpointed, not requeued (HEAT_REQUEUE=0)
s_manual=$(stopped_by manual "$manual" SIGUSR1)

wait_done "$requeue" 120
# Slurm's SIGTERM reaches the ranks directly; the batch shell passes on a SIGUSR1 too: either stops it
s_requeue=$(stopped_by requeue "$requeue" 'SIGTERM|SIGUSR1' requeued)
expect_state "$requeue" COMPLETED
grep -q "restart 1: resuming from the newest checkpoint in $WORK/ckpt-requeue" requeue.out ||
  fail "the requeued run did not resume from the checkpoint"
grep -q "steps $s_requeue -> 60000 (restarted from $WORK/ckpt-requeue/heat-$(printf %08d "$s_requeue").h5)" requeue.out ||
  fail "the requeued run did not start at step $s_requeue from its checkpoint"
[[ $(grep -cx VERIFIED requeue.out) -eq 1 ]] || fail "the requeued run did not end VERIFIED (once)"

wait_done "$timer" 120
expect_state "$timer" FAILED   # exit 75 before the time limit, not TIMEOUT
s_timer=$(stopped_by timer "$timer" SIGUSR1)
echo "slurm.signals: timer SIGUSR1 stopped heat at step $s_timer, scancel --signal=USR1 at $s_manual," \
  "requeue's SIGTERM at $s_requeue (resumed, VERIFIED); each left a valid checkpoint of that step"
