#!/usr/bin/env bash
# cluster.node_failure: SIGKILL every process of one emulated node (its ranks, its Open MPI
# daemon, its slurmd) in the middle of
#  - a tessera-heat run on 3 nodes that writes checkpoints: the job ends within 30 s with a message
#    naming the lost node, nothing appears at the output's final name, the newest checkpoint is
#    intact, and a restart on the 2 surviving nodes ends bitwise equal to an uninterrupted run;
#  - a tessera-mapblocks run on 3 nodes while it writes its output: ends within 30 s, no file at
#    the final name.
# The node is then brought back (start-cluster.sh restarts its daemons) for the tests after this one.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3
trap '_r=$?; "$CLUSTER_START" --nodes "$TEST_NODES" >/dev/null 2>&1 9>&- || true; (exit $_r); _cluster_cleanup' EXIT

# watch PID TIMEOUT_S: wait for a background run; prints how long it took after the call
watch_end() {
  local pid=$1 t0 i
  t0=$(date +%s.%N)
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; return 1; fi
  echo "$(date +%s.%N) $t0" | awk '{printf "%.1f\n", $1 - $2}'
}

# lose_node3 WHAT PID OUT: SIGKILL node3 while the run PID (on node1..node3, output in OUT) is
# going; it must end within 30 s, non-zero, with a message that names node3.
lose_node3() {
  local what=$1 job=$2 out=$3 took rc=0
  kill_node node3
  took=$(watch_end "$job" 30) || { cat "$out"; fail "$what: the job did not end within 30 s of node3's death"; }
  wait "$job" || rc=$?
  cat "$out"
  echo "$what: ended $took s after node3 was killed (exit $rc)"
  [[ $rc -ne 0 ]] || fail "$what: exit 0 although a node died"
  grep -qE "(on node|Peer host:) +node3" "$out" || fail "$what: the message does not name the lost node"
}

# --- heat with checkpoints ------------------------------------------------------------------------------
heat=("$BIN/tessera-heat" --n 400 --steps 3000 --norms-every 50)
run_on node1:2 2 300 ref.out "${heat[@]}" -o ref.h5 || { cat ref.out; fail "uninterrupted heat run failed"; }

run_on node1:1,node2:1,node3:1 3 300 heat.out "${heat[@]}" --checkpoint-every 100 --keep 3 \
  --checkpoint-dir ck -o heat.h5 &
job=$!
for ((i = 0; i < 600; i++)); do
  [[ $(compgen -G "ck/heat-*.h5" | wc -l) -ge 2 ]] && break
  kill -0 $job 2>/dev/null || break
  sleep 0.05
done
[[ $(compgen -G "ck/heat-*.h5" | wc -l) -ge 2 ]] || { cat heat.out; fail "heat: fewer than 2 checkpoints before the kill"; }
kill -0 $job 2>/dev/null || { cat heat.out; fail "heat: the run ended before the node could be killed (make it longer)"; }
lose_node3 heat $job heat.out
[[ ! -e heat.h5 ]] || fail "heat: a file appeared at the final output name"
newest=$(compgen -G "ck/heat-*.h5" | sort | tail -n 1)
echo "newest checkpoint: $newest"
h5dump -H "$newest" >/dev/null || fail "heat: the newest checkpoint $newest does not open"
run_on node1:1,node2:1 2 300 restart.out "${heat[@]}" --checkpoint-every 100 --keep 3 \
  --checkpoint-dir ck --restart ck -o heat.h5 || { cat restart.out; fail "heat: restart on the surviving nodes failed"; }
grep -q "$(basename "$newest")" restart.out || { cat restart.out; fail "heat: the restart did not take the newest checkpoint"; }
grep -q '^VERIFIED' restart.out || { cat restart.out; fail "heat: restart not VERIFIED"; }
h5diff ref.h5 heat.h5 /fields/u /fields/u || fail "heat: the restarted field differs from the uninterrupted run"

# bring node3 back before the next part
"$CLUSTER_START" --nodes "$TEST_NODES" >/dev/null 9>&- || fail "could not bring node3's daemons back"

# --- mapblocks killed while writing ------------------------------------------------------------------------
mb=("$BIN/tessera-mapblocks" --shape 6000x6000 --chunks 1000x1000 --init arange --op square --reduce sum)
run_on node1:1,node2:1,node3:1 3 300 mb.out "${mb[@]}" -o big.h5 &
job=$!
hit=0
for ((i = 0; i < 3000; i++)); do
  if compgen -G ".big.h5*" >/dev/null; then hit=1; break; fi
  kill -0 $job 2>/dev/null || break
  sleep 0.01
done
[[ $hit -eq 1 ]] || { cat mb.out; fail "mapblocks: never saw the output being written"; }
lose_node3 "mapblocks (during the write)" $job mb.out
[[ ! -e big.h5 ]] || fail "mapblocks: a file appeared at the final output name"
echo "cluster.node_failure: heat and mapblocks survive a node loss without a false output; heat restarts bitwise"
