#!/usr/bin/env bash
# bench/cluster/run.sh: heat and matmul on the emulated cluster (jobs/local/start-cluster.sh)
# against one node, in one run, as ratios: 2 ranks on one node (shared memory, this machine without
# namespaces) against 2 ranks on 2 emulated nodes of one CPU each (TCP over veth), time ratio
# two-node / one-node. Then bench/taskfarm/cluster.sh (the task farm across nodes). Root needed.
#
# The emulated network is veth pairs and a bridge inside one kernel: its latency and bandwidth are
# those of memory copies, not of a fabric. Never read these figures as a model of InfiniBand or of
# Ethernet between real hosts; they show what the software adds, measured against itself.
#
# Usage: bench/cluster/run.sh [BUILD_DIR]   (env: REPS=3, OUT=bench/results/cluster.json)
NAME=bench/cluster
# shellcheck source=bench/cluster/common.sh
source "$(dirname "$0")/../cluster/common.sh"
OUT=${OUT:-$ROOT/bench/results/cluster.json}

# --- 1. heat and matmul: one node against two --------------------------------------------------------
"$STOP" --quiet || true
"$START" --nodes 2 --no-slurm >/dev/null
# shellcheck source=/dev/null
source "$TESSERA_CLUSTER_BASE/env.sh"
heat=("$BIN/tessera-heat" --n 2048 --steps 200 --quiet)
mm=("$BIN/tessera-matmul" --m 2048 --n 2048 --k 2048 --reps 3 --quiet)
: >pair.tsv
for rep in $(seq 1 "$REPS"); do
  for prog in heat mm; do
    declare -n cmd=$prog
    mpirun -np 2 --bind-to core "${cmd[@]}" --report "$prog-1n-$rep.json" >/dev/null
    tessera-cluster-mpirun -np 2 --map-by node --bind-to none "${cmd[@]}" --report "$prog-2n-$rep.json" >/dev/null
  done
  echo "  heat and matmul rep $rep done"
done
"$STOP" --quiet

python3 - "$WORK" "$OUT" "$REPS" "$LOAD_BEFORE" "$(load)" "$(getconf _NPROCESSORS_ONLN)" "$ROOT/bench/cluster" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[7])
import results
work, out, reps, rep, med, r = results.start()
for prog, key in (("heat", "median_step_seconds"), ("mm", "time_s")):
    def metric(j):
        m = j["metrics"]
        for k in (key, "time_seconds", "wall_seconds", "median_seconds"):
            if k in m: return m[k]
        raise KeyError(f"{prog}: none of the time metrics in {sorted(m)}")
    one = med([metric(rep(f"{prog}-1n-{i}")) for i in range(1, reps + 1)])
    two = med([metric(rep(f"{prog}-2n-{i}")) for i in range(1, reps + 1)])
    r[f"{prog}_one_node_s"] = one
    r[f"{prog}_two_nodes_s"] = two
    r[f"{prog}_two_over_one"] = two / one
r["ratios"] = {"heat_time_2nodes_tcp_over_1node_shm": r["heat_two_over_one"],
               "matmul_time_2nodes_tcp_over_1node_shm": r["mm_two_over_one"]}
r["bench"] = "cluster"
json.dump(r, open(out, "w"), indent=1, sort_keys=True)
print(json.dumps(r, indent=1, sort_keys=True))
PY

"$ROOT/bench/taskfarm/cluster.sh" "$BUILD"
