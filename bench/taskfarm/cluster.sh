#!/usr/bin/env bash
# bench/taskfarm/cluster.sh: tessera-taskfarm on 3 emulated nodes (jobs/local/start-cluster.sh)
# and on one node (this machine, no namespaces), in one run. Root and namespaces needed. Targets:
#      - dynamic efficiency on the imbalanced (off-axis) Mandelbrot;            target >= 0.95
#      - 3 x 8 `sleep 0.25` commands on 3 ranks: every node busy while tasks wait; target >= 0.90
#      - dispatch overhead of no-op tasks;              targets <= 50 us across nodes, <= 2 us on one
#      - 5000 x `true` across nodes against `xargs -P` over the same CPUs on one node; target >= 1
#        (as many workers as xargs has: one rank on each of 2 nodes, against xargs -P 2 on the 2
#        CPUs; one rank on each of the 3 nodes is reported too: 3 workers on 2 CPUs)
#
# The emulated network is veth pairs and a bridge inside one kernel: its latency and bandwidth are
# those of memory copies, not of a fabric. Never read these figures as a model of InfiniBand or of
# Ethernet between real hosts; they show what the software adds, measured against itself.
#
# Usage: bench/taskfarm/cluster.sh [BUILD_DIR]   (env: REPS=3, OUT=bench/results/taskfarm_cluster.json)
NAME=bench/taskfarm/cluster
# shellcheck source=bench/cluster/common.sh
source "$(dirname "$0")/../cluster/common.sh"
OUT=${TF_OUT:-$ROOT/bench/results/taskfarm_cluster.json}

# --- the task farm on 3 nodes and on one -----------------------------------------------------------
"$STOP" --quiet || true
"$START" --nodes 3 --no-slurm >/dev/null
# shellcheck source=/dev/null
source "$TESSERA_CLUSTER_BASE/env.sh"
three=(tessera-cluster-mpirun -np 3 --map-by node --bind-to none)
two=(tessera-cluster-mpirun -np 2 --map-by node --host node1,node2 --bind-to none)
one=(mpirun -np 3 --oversubscribe --bind-to none)
for i in $(seq 1 24); do echo "sleep 0.25"; done >sleep.txt
for i in $(seq 1 5000); do echo true; done >true.txt
: >shell.tsv
for rep in $(seq 1 "$REPS"); do
  for where in three one; do
    declare -n run=$where
    "${run[@]}" "$BIN/tessera-taskfarm" --kernel mandelbrot --width 2048 --height 2048 --center=-0.75,0.1 --span 0.5 \
      --schedule dynamic --no-progress -q --report "mandel-$where-$rep.json"
    "${run[@]}" "$BIN/tessera-taskfarm" --kernel noop --count 200000 --schedule dynamic --no-progress -q \
      --report "noop-$where-$rep.json"
    "${run[@]}" "$BIN/tessera-taskfarm" --commands sleep.txt --schedule dynamic --no-progress -q \
      --report "sleep-$where-$rep.json"
  done
  # as many workers as xargs gets CPUs: one rank on each of 2 of the nodes; and one on each of 3
  t0=$(now)
  "${two[@]}" "$BIN/tessera-taskfarm" --commands true.txt --schedule dynamic --no-progress -q --report "true-$rep.json"
  t1=$(now)
  tr '\n' '\0' <true.txt | xargs -0 -P "$(getconf _NPROCESSORS_ONLN)" -n 1 sh -c
  t2=$(now)
  "${three[@]}" "$BIN/tessera-taskfarm" --commands true.txt --schedule dynamic --no-progress -q --report "true3-$rep.json"
  t3=$(now)
  echo -e "$t0\t$t1\t$t2\t$t3" >>shell.tsv
  echo "  task farm rep $rep done"
done

python3 - "$WORK" "$OUT" "$REPS" "$LOAD_BEFORE" "$(load)" "$(getconf _NPROCESSORS_ONLN)" "$ROOT/bench/cluster" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[7])
import results
work, out, reps, rep, med, r = results.start()
tf = {}
for where in ("three", "one"):
    mandel = [rep(f"mandel-{where}-{i}")["metrics"] for i in range(1, reps + 1)]
    noop = [rep(f"noop-{where}-{i}")["metrics"] for i in range(1, reps + 1)]
    sleep = [rep(f"sleep-{where}-{i}")["metrics"] for i in range(1, reps + 1)]
    tf[where] = {
        "mandelbrot_dynamic_efficiency": med([m["efficiency"] for m in mandel]),
        "dispatch_overhead_us": med([m["dispatch_overhead_us"] for m in noop]),
        "sleep_min_busy": med([min(m["busy_per_rank"]) for m in sleep]),
        "coordinator_requests_noop": med([m["coordinator_requests"] for m in noop]),
        "coordinator_service_us": med([m["coordinator_service_us"] for m in noop + mandel]),
        "request_latency_us": med([m["request_latency_us"] for m in noop + mandel]),
    }
rows = [[float(x) for x in l.split("\t")] for l in open(f"{work}/shell.tsv").read().split("\n") if l]
farm2 = med([b - a for a, b, _, _ in rows])
xargs = med([c - b for _, b, c, _ in rows])
farm3 = med([d - c for _, _, c, d in rows])
tf["true_5000_farm_2nodes_1rank_each_s"] = farm2
tf["true_5000_farm_3nodes_1rank_each_s"] = farm3
tf["true_5000_xargs_one_node_s"] = xargs
tf["true_5000_farm_over_xargs_speed"] = xargs / farm2
tf["true_5000_farm3_over_xargs_speed"] = xargs / farm3
r["taskfarm"] = tf
def target(measured, goal, kind="min"):
    return {"measured": measured, "target": goal, "kind": kind,
            "met": measured >= goal if kind == "min" else measured <= goal}
r["targets"] = {
    "mandelbrot_dynamic_efficiency_3nodes": target(tf["three"]["mandelbrot_dynamic_efficiency"], 0.95),
    "every_node_busy_3nodes": target(tf["three"]["sleep_min_busy"], 0.90),
    "dispatch_overhead_us_3nodes": target(tf["three"]["dispatch_overhead_us"], 50, "max"),
    "dispatch_overhead_us_one_node": target(tf["one"]["dispatch_overhead_us"], 2, "max"),
    "true_5000_2nodes_vs_xargs_one_node": target(tf["true_5000_farm_over_xargs_speed"], 1.0),
}
r["ratios"] = {"mandelbrot_efficiency_3nodes_over_one": tf["three"]["mandelbrot_dynamic_efficiency"] /
               tf["one"]["mandelbrot_dynamic_efficiency"],
               "true_5000_3nodes_3ranks_vs_xargs_one_node": tf["true_5000_farm3_over_xargs_speed"]}
r["bench"] = "taskfarm-cluster"
json.dump(r, open(out, "w"), indent=1, sort_keys=True)
print(json.dumps(r, indent=1, sort_keys=True))
PY
