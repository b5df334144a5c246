#!/usr/bin/env bash
# cluster.taskfarm_deadline: jobs/taskfarm.sbatch on 2 nodes of the multi-node Slurm with a deadline
# that cuts the run into (at least) three parts: 24 commands of 1 s, 2 ranks, each run may work
# for 5 s (TASKFARM_DEADLINE=+5, margin 0.5 s). Each part stops taking tasks in time, lets the
# running ones finish, flushes the journal and exits 75; the script requeues the job; the next part
# resumes. At the end every task ran exactly once (started once, ended once: none was killed by a
# deadline, none ran twice), and one retry was spent where a task failed, not on held-back tasks.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3
export TESSERA_HOME=$TESSERA_SOURCE_DIR TESSERA_BIN=$BIN TESSERA_OUT=$WORK/out
for i in $(seq 0 23); do
  if [[ $i -eq 13 ]]; then
    # fails on its first attempt only
    echo "echo \$TESSERA_TASK_ID >>$WORK/starts; sleep 1; test \$TESSERA_TASK_ATTEMPT -ge 2 || exit 4; echo \$TESSERA_TASK_ID >>$WORK/ends"
  else
    echo "echo \$TESSERA_TASK_ID >>$WORK/starts; sleep 1; echo \$TESSERA_TASK_ID >>$WORK/ends"
  fi
done >cmds.txt
export TASKFARM_COMMANDS=$WORK/cmds.txt TASKFARM_DEADLINE=+5 TASKFARM_MARGIN=0.5 TASKFARM_SCHEDULE=dynamic \
  TASKFARM_RETRIES=1 TASKFARM_RETRY_DELAY=0 TASKFARM_JOURNAL=$WORK/journal
submit --nodes=2 --ntasks-per-node=1 -o tf.out "$TESSERA_SOURCE_DIR/jobs/taskfarm.sbatch"
jid=$JOB_ID
wait_done "$jid" 400
cat tf.out
expect_state "$jid" COMPLETED
parts=$(grep -c 'tessera job .*: taskfarm on 2 ranks' tf.out || true)
requeues=$(grep -c "requeueing job $jid" tf.out || true)
echo "parts: $parts, requeues: $requeues"
[[ $requeues -ge 2 && $parts -eq $((requeues + 1)) ]] || fail "expected >= 3 parts with a requeue between each, saw $parts parts and $requeues requeues"
[[ $(grep -c '^PREEMPTED (deadline' tf.out) -eq $requeues ]] || fail "every part but the last should stop at the deadline"
[[ $(grep -c '^VERIFIED' tf.out) -eq 1 ]] || fail "expected one VERIFIED (the last part)"
# exactly once: 25 starts (task 13 twice: its retry), 24 distinct, every task ended once
[[ $(wc -l <starts) -eq 25 ]] || fail "expected 25 starts (24 tasks + one retry), saw $(wc -l <starts)"
[[ $(sort -u starts | wc -l) -eq 24 ]] || fail "not every task started"
[[ $(sort starts | uniq -d) == 13 ]] || fail "a task other than the retried one started twice: $(sort starts | uniq -d | tr '\n' ' ')"
[[ $(wc -l <ends) -eq 24 && $(sort -u ends | wc -l) -eq 24 ]] || fail "every task must end exactly once"
rep=$(ls out/taskfarm-"$jid".json)
python3 - "$rep" <<'PY' || fail "the final report is wrong"
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print({k: m[k] for k in ("tasks_run", "tasks_resumed", "tasks_failed", "retried_attempts")})
assert m["tasks_run"] + m["tasks_resumed"] == 24 and m["tasks_failed"] == 0
PY
attempts=$(h5dump -A 0 -d /results/tasks/attempts -y -w 0 "out/taskfarm-$jid.h5" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')
[[ $attempts == "$(printf '1,%.0s' $(seq 1 13))2,$(printf '1,%.0s' $(seq 1 9))1" ]] || fail "attempts per task: $attempts (task 13 should have 2, every other 1)"
echo "cluster.taskfarm_deadline: $parts parts, every task exactly once, none killed"
