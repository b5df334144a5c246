"""bench/cluster/results.py: what the python summaries of bench/cluster/run.sh and
bench/taskfarm/cluster.sh share: their arguments, the per-run reports, medians, the result header."""
import datetime
import json
import platform
import statistics
import sys


def start():
    """argv: WORK OUT REPS LOAD_BEFORE LOAD_AFTER NCPU -> (work, out, reps, report(name), median, header)."""
    work, out, reps, load0, load1, ncpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
    header = {"date_utc": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "cpus": ncpu, "reps": reps,
              "load_before": float(load0), "load_after": float(load1), "host": platform.node(),
              "note": "emulated nodes: veth and a bridge in one kernel; not a model of a real fabric"}
    return work, out, reps, (lambda name: json.load(open(f"{work}/{name}.json"))), statistics.median, header
