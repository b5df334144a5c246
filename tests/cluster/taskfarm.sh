#!/usr/bin/env bash
# cluster.taskfarm: tessera-taskfarm across emulated nodes, over TCP, with no MCA flags.
#  - factorial and Mandelbrot on 3 nodes: the same results table (and image) as on one node;
#  - 16 `sleep 0.2` commands on 4 ranks over 2 nodes: both nodes run tasks, every rank is busy;
#  - SIGKILL of one rank, then of a whole node, in the middle of a run of commands: the job ends
#    within 30 s, and --resume on the remaining nodes completes the table with every task exactly
#    once; no task that the journal holds as done runs again;
#  - 32 ranks (8 a node, oversubscribed, yielding when idle) over 4 nodes: every task once, every
#    rank gets work.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3
TF=$BIN/tessera-taskfarm

col() { h5dump -A 0 -d "$2" -y -w 0 "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'; }

# --- the same table on one node and on three ---------------------------------------------------------
for k in "factorial --range 1:1500" "mandelbrot --width 300 --height 300 --schedule dynamic"; do
  name=${k%% *}
  read -r -a kargs <<<"$k"
  run_on node1:3 3 120 "$name-1n.out" "$TF" --kernel "${kargs[@]}" --no-progress -o "$name-1n.h5" ||
    { cat "$name-1n.out"; fail "$name on one node failed"; }
  run_on node1:1,node2:1,node3:1 3 120 "$name-3n.out" "$TF" --kernel "${kargs[@]}" --no-progress -o "$name-3n.h5" \
    --report "$name-3n.json" || { cat "$name-3n.out"; fail "$name on 3 nodes failed"; }
  grep -q '^VERIFIED' "$name-3n.out" || { cat "$name-3n.out"; fail "$name on 3 nodes: not VERIFIED"; }
  for c in id input result status; do
    [[ $(col "$name-1n.h5" /results/tasks/$c) == "$(col "$name-3n.h5" /results/tasks/$c)" ]] ||
      fail "$name: column $c differs between one node and three"
  done
  [[ $(col "$name-3n.h5" /results/tasks/node | tr ',' '\n' | sort -u | grep -c node) -eq 3 ]] ||
    fail "$name: the tasks did not run on 3 nodes"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['metrics']['coordinator_requests'] > 0 else 1)" \
    "$name-3n.json" || fail "$name: no node ever asked the coordinator"
  echo "$name: the same table on one node and on three"
done
h5diff mandelbrot-1n.h5 mandelbrot-3n.h5 /fields/mandelbrot /fields/mandelbrot || fail "mandelbrot: the image differs"

# --- shell commands spread over the nodes --------------------------------------------------------------
for i in $(seq 1 16); do echo "sleep 0.2"; done >sleep16.txt
run_on node1:2,node2:2 4 120 sleep.out "$TF" --commands sleep16.txt --schedule dynamic --no-progress \
  --report sleep.json -o sleep.h5 || { cat sleep.out; fail "16 sleeps on 2 nodes failed"; }
python3 - sleep.json <<'PY' || { cat sleep.out; fail "the sleeps were not spread"; }
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print("busy per rank", m["busy_per_rank"], "tasks per rank", m["tasks_per_rank"])
assert all(t >= 2 for t in m["tasks_per_rank"]), "a rank ran fewer than 2 of 16 tasks"
assert min(m["busy_per_rank"]) >= 0.5, "a rank was idle most of the run"
PY
[[ $(col sleep.h5 /results/tasks/node | tr ',' '\n' | sort -u | grep -c node) -eq 2 ]] || fail "sleeps: not on 2 nodes"

# --- kill a rank, then a node; resume on what is left -------------------------------------------------
# Each command logs its id when it starts and when it ends (PHASE tells the run apart).
for i in $(seq 0 59); do echo "echo $i >>\$PHASE.start; sleep 0.25; echo $i >>\$PHASE.end"; done >slow.txt
journal_ids() { cat "$1".rank* 2>/dev/null | python3 -c '
import json, sys
ids = set()
for line in sys.stdin:
    try: ids.add(json.loads(line)["id"])
    except Exception: pass
print("\n".join(str(i) for i in sorted(ids)))'; }

kill_and_resume() {  # WHAT HOSTS NP SURVIVORS NP2
  local what=$1 hosts=$2 np=$3 survivors=$4 np2=$5 j=$WORK/j-$1 job t0 took rc
  rm -f "$what"-*.start "$what"-*.end
  PHASE=$WORK/$what-first run_on "$hosts" "$np" 120 "$what-first.out" -x PHASE "$TF" --commands slow.txt \
    --schedule dynamic --journal "$j" --no-progress -o "$what.h5" &
  job=$!
  for ((i = 0; i < 400; i++)); do
    [[ $(journal_ids "$j" | wc -l) -ge 10 ]] && break
    sleep 0.05
  done
  [[ $(journal_ids "$j" | wc -l) -ge 10 ]] || { cat "$what-first.out"; fail "$what: fewer than 10 tasks done before the kill"; }
  if [[ $what == rank ]]; then
    pid=$(cl_pids_on node2 tessera-taskfarm | head -n 1)
    [[ -n $pid ]] || fail "rank: no tessera-taskfarm process on node2"
    kill -KILL "$pid"
  else
    kill_node node3
  fi
  t0=$(date +%s)
  rc=0
  wait "$job" || rc=$?
  took=$(($(date +%s) - t0))
  echo "$what: the job ended ${took} s after the kill (exit $rc)"
  [[ $took -le 30 ]] || fail "$what: the job took ${took} s to end after the kill"
  [[ $rc -ne 0 ]] || fail "$what: exit 0 after a kill"
  [[ ! -e $what.h5 ]] || fail "$what: an output file appeared"
  journal_ids "$j" >"$what-before.ids"
  PHASE=$WORK/$what-resume run_on "$survivors" "$np2" 120 "$what-resume.out" -x PHASE "$TF" --commands slow.txt \
    --schedule dynamic --resume "$j" --no-progress -o "$what.h5" || { cat "$what-resume.out"; fail "$what: resume failed"; }
  grep -q '^VERIFIED' "$what-resume.out" || { cat "$what-resume.out"; fail "$what: resume not VERIFIED"; }
  [[ $(col "$what.h5" /results/tasks/id) == "$(seq -s, 0 59)" ]] || fail "$what: the final table does not hold 0..59 once"
  # no task recorded as done before the kill started again in the resume
  again=$(sort -u "$what-resume.start" | comm -12 - <(sort -u "$what-before.ids") | wc -l)
  [[ $again -eq 0 ]] || fail "$what: $again task(s) done before the kill ran again"
  # every task ended at least once overall, and in the resume only once
  [[ $(sort -un "$what-first.end" "$what-resume.end" | wc -l) -eq 60 ]] || fail "$what: not every task ran to its end"
  [[ $(sort -n "$what-resume.end" | uniq -d | wc -l) -eq 0 ]] || fail "$what: a task ran twice in the resume"
  echo "$what: $(wc -l <"$what-before.ids") tasks journaled before the kill, the rest after the resume, each once"
}
cl_pids_on() {  # NODE COMM: pids of processes named COMM on NODE
  local ns p
  ns=$(<"$TESSERA_CLUSTER_BASE/run/$1.netns")
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/net" 2>/dev/null) == "$ns" && $(cat "$p/comm" 2>/dev/null) == "${2:0:15}" ]] && echo "${p#/proc/}"
  done
  return 0
}
kill_and_resume rank node1:1,node2:1,node3:1 3 node1:1,node3:1 2
kill_and_resume node node1:1,node2:1,node3:1 3 node1:1,node2:1 2
"$CLUSTER_START" --nodes "$TEST_NODES" >/dev/null 9>&- || fail "could not bring node3's daemons back"

# --- 32 ranks over 4 nodes ---------------------------------------------------------------------------
for i in $(seq 1 96); do echo "sleep 0.1"; done >many.txt
OMPI_MCA_mpi_yield_when_idle=1 run_on node1:8,node2:8,node3:8,node4:8 32 300 many.out "$TF" --commands many.txt \
  --schedule dynamic --no-progress --report many.json -o many.h5 || { cat many.out; fail "32 ranks over 4 nodes failed"; }
[[ $(col many.h5 /results/tasks/id) == "$(seq -s, 0 95)" ]] || fail "32 ranks: not every task once"
python3 - many.json <<'PY' || { cat many.out; fail "32 ranks: a rank got no work"; }
import json, sys
r = json.load(open(sys.argv[1]))
t = r["metrics"]["tasks_per_rank"]
print("tasks per rank:", t, "nodes:", r["run"]["nodes"])
assert len(t) == 32 and min(t) >= 1 and sum(t) == 96
assert r["run"]["nodes"] == 4
PY
echo "cluster.taskfarm: across nodes, balanced, survives a rank and a node loss, exactly once, 32 ranks on 4 nodes"
