#!/usr/bin/env bash
# bench/taskfarm/run.sh: tessera-taskfarm against its targets and its peers, medians of REPS runs.
#
#   1. Mandelbrot SIZE x SIZE on 2 ranks: load-balance efficiency (task time / ranks x wall) of the
#      static, dynamic and guided schedules. Target: >= 95 % with dynamic scheduling. The classic
#      window is symmetric about the real axis, so on 2 ranks static blocks (top half, bottom half)
#      happen to cost the same; the off-axis "seahorse valley" window (-0.75+0.1i, span 0.5) shows
#      what static scheduling does to uneven costs.
#   2. 2000 tasks that do nothing (--kernel noop): dispatch overhead per task, from the shared
#      counter to the record. Target: <= 50 us per in-process task.
#   3. 1000 shell commands `true`: tessera-taskfarm --commands on 2 ranks against `xargs -P 2` and
#      GNU `parallel -j 2`, same machine, same run, wall clock including each tool's own start-up.
#      Target: throughput at least that of GNU parallel.
#
# Usage: bench/taskfarm/run.sh [BUILD_DIR]     (env: BUILD_DIR, REPS=5, SIZE=4096, OUT=bench/results/taskfarm.json)
# Efficiencies are ratios inside each run; wall times depend on what else the machine is doing.
# Needs GNU parallel (apt-get install parallel) and python3 (for the medians and the JSON).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD_DIR:-$ROOT/build/default}}
B=$BUILD/bin/tessera-taskfarm
REPS=${REPS:-5}
SIZE=${SIZE:-4096}
OUT=${OUT:-$ROOT/bench/results/taskfarm.json}
[[ -x $B ]] || { echo "no $B: build first (cmake --build build/default)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "GNU parallel is needed: apt-get install -y parallel" >&2; exit 2; }
(( REPS >= 1 )) || { echo "REPS must be >= 1" >&2; exit 2; }

# Launcher settings of the test suite (root in containers, no CMA in unprivileged ones).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
export OMP_NUM_THREADS=1
MPIRUN=(mpirun -np 2 --bind-to none)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench-taskfarm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }

NCORES=$(getconf _NPROCESSORS_ONLN)
echo "tessera-taskfarm benchmark: $REPS repetitions, $NCORES cores, load $(load)"
LOAD_BEFORE=$(load)

# 1. Mandelbrot, the schedules interleaved so that a change in machine load hits all alike.
for rep in $(seq 1 "$REPS"); do
  for sched in static dynamic guided; do
    "${MPIRUN[@]}" "$B" --kernel mandelbrot --width "$SIZE" --height "$SIZE" --schedule "$sched" \
      --no-progress -q --report "$WORK/mandel-$sched-$rep.json"
  done
  for sched in static dynamic; do
    "${MPIRUN[@]}" "$B" --kernel mandelbrot --width "$SIZE" --height "$SIZE" --schedule "$sched" \
      --center=-0.75,0.1 --span 0.5 --no-progress -q --report "$WORK/seahorse-$sched-$rep.json"
  done
  echo "  mandelbrot ${SIZE}x${SIZE} rep $rep done"
done

# 2. Dispatch overhead of in-process tasks.
for rep in $(seq 1 "$REPS"); do
  for sched in dynamic guided; do
    "${MPIRUN[@]}" "$B" --kernel noop --count 2000 --schedule "$sched" --no-progress -q \
      --report "$WORK/noop-$sched-$rep.json"
  done
done
echo "  noop x 2000 done"

# 3. Shell commands: 1000 x `true`.
for _ in $(seq 1 1000); do echo true; done >"$WORK/true.txt"
: >"$WORK/shell.tsv"
for rep in $(seq 1 "$REPS"); do
  t0=$(now)
  "${MPIRUN[@]}" "$B" --commands "$WORK/true.txt" --schedule dynamic --no-progress -q --report "$WORK/shell-$rep.json"
  t1=$(now)
  tr '\n' '\0' <"$WORK/true.txt" | xargs -0 -P 2 -n 1 sh -c
  t2=$(now)
  parallel --will-cite -j 2 <"$WORK/true.txt"
  t3=$(now)
  echo -e "$t0\t$t1\t$t2\t$t3" >>"$WORK/shell.tsv"
  echo "  1000 shell commands rep $rep done"
done

python3 - "$WORK" "$OUT" "$REPS" "$SIZE" "$LOAD_BEFORE" "$(load)" "$NCORES" <<'PY'
import json, statistics, sys, glob, platform, subprocess
work, out, reps, size, load0, load1, ncores = sys.argv[1:8]
reps = int(reps)
med = statistics.median
def metrics(pattern):
    return [json.load(open(f))["metrics"] for f in sorted(glob.glob(f"{work}/{pattern}"))]

res = {"benchmark": "taskfarm", "repetitions": reps, "statistic": "median",
       "machine": {"cores": int(ncores), "load_before": float(load0), "load_after": float(load1),
                   "host": platform.node()},
       "mandelbrot": {"size": f"{size}x{size}", "ranks": 2}, "noop": {"tasks": 2000, "ranks": 2},
       "shell": {"commands": 1000, "command": "true", "workers": 2}}
for sched in ("static", "dynamic", "guided"):
    m = metrics(f"mandel-{sched}-*.json")
    res["mandelbrot"][sched] = {"efficiency": med(x["efficiency"] for x in m),
                                "wall_seconds": med(x["wall_seconds"] for x in m),
                                "checksum": m[0]["mandelbrot_checksum"],
                                "checksums_agree": len({x["mandelbrot_checksum"] for x in m}) == 1}
mb = res["mandelbrot"]
mb["dynamic_over_static_speedup"] = mb["static"]["wall_seconds"] / mb["dynamic"]["wall_seconds"]
sea = {"window": "center -0.75+0.1i, span 0.5"}
for sched in ("static", "dynamic"):
    m = metrics(f"seahorse-{sched}-*.json")
    sea[sched] = {"efficiency": med(x["efficiency"] for x in m), "wall_seconds": med(x["wall_seconds"] for x in m),
                  "checksums_agree": len({x["mandelbrot_checksum"] for x in m}) == 1}
sea["dynamic_over_static_speedup"] = sea["static"]["wall_seconds"] / sea["dynamic"]["wall_seconds"]
sea["same_checksum_static_dynamic"] = (metrics("seahorse-static-*.json")[0]["mandelbrot_checksum"] ==
                                       metrics("seahorse-dynamic-*.json")[0]["mandelbrot_checksum"])
mb["seahorse"] = sea
mb["target_dynamic_efficiency"] = 0.95
mb["meets_target"] = mb["dynamic"]["efficiency"] >= 0.95 and mb["seahorse"]["dynamic"]["efficiency"] >= 0.95
for sched in ("dynamic", "guided"):
    m = metrics(f"noop-{sched}-*.json")
    res["noop"][sched] = {"dispatch_overhead_us": med(x["dispatch_overhead_us"] for x in m),
                          "tasks_per_second": med(x["tasks_per_second"] for x in m)}
res["noop"]["target_dispatch_overhead_us"] = 50
res["noop"]["meets_target"] = res["noop"]["dynamic"]["dispatch_overhead_us"] <= 50

rows = [list(map(float, l.split())) for l in open(f"{work}/shell.tsv")]
farm_wall = med(r[1] - r[0] for r in rows)
xargs_wall = med(r[2] - r[1] for r in rows)
par_wall = med(r[3] - r[2] for r in rows)
inner = metrics("shell-*.json")
sh = res["shell"]
sh["tessera_taskfarm"] = {"wall_seconds": farm_wall, "tasks_per_second": 1000 / farm_wall,
                          "tasks_per_second_inside_farm": med(x["tasks_per_second"] for x in inner)}
sh["xargs_P2"] = {"wall_seconds": xargs_wall, "tasks_per_second": 1000 / xargs_wall}
sh["gnu_parallel_j2"] = {"wall_seconds": par_wall, "tasks_per_second": 1000 / par_wall}
sh["taskfarm_over_parallel"] = par_wall / farm_wall
sh["taskfarm_over_xargs"] = xargs_wall / farm_wall
sh["meets_target"] = farm_wall <= par_wall
json.dump(res, open(out, "w"), indent=2)
open(out, "a").write("\n")

print(f"mandelbrot {size}x{size}, 2 ranks: efficiency static {mb['static']['efficiency']:.3f}, "
      f"dynamic {mb['dynamic']['efficiency']:.3f}, guided {mb['guided']['efficiency']:.3f} "
      f"(target >= 0.95 dynamic: {'met' if mb['meets_target'] else 'MISSED'}); "
      f"dynamic is {mb['dynamic_over_static_speedup']:.2f}x faster than static")
print(f"  seahorse window: efficiency static {sea['static']['efficiency']:.3f}, dynamic {sea['dynamic']['efficiency']:.3f}; "
      f"dynamic is {sea['dynamic_over_static_speedup']:.2f}x faster than static")
print(f"noop x 2000: dispatch overhead {res['noop']['dynamic']['dispatch_overhead_us']:.2f} us/task dynamic, "
      f"{res['noop']['guided']['dispatch_overhead_us']:.2f} us/task guided (target <= 50)")
print(f"1000 x true: taskfarm {1000/farm_wall:.0f}/s, xargs -P 2 {1000/xargs_wall:.0f}/s, "
      f"parallel -j 2 {1000/par_wall:.0f}/s; taskfarm/parallel = {sh['taskfarm_over_parallel']:.2f} "
      f"(target >= 1: {'met' if sh['meets_target'] else 'MISSED'})")
print(f"written: {out}")
PY
