#!/usr/bin/env bash
# cluster.affinity: tessera-affinity across 3 emulated nodes (2 ranks on node1, 1 on node2 and
# node3, 2 threads a rank). The table must show 3 hosts, every rank on the host it was placed on
# with the right node-local rank, and a host is named in an oversubscription finding exactly when
# it runs more threads than it has CPUs.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3
rc=0
OMP_NUM_THREADS=2 run_on node1:2,node2:1,node3:1 4 60 aff.out -x OMP_NUM_THREADS \
  "$BIN/tessera-affinity" --report aff.json || rc=$?
cat aff.out
[[ $rc -eq 0 ]] || fail "tessera-affinity on 3 nodes exited $rc"
python3 - "$TESSERA_CLUSTER_BASE/etc/nodes" aff.json <<'PY' || fail "affinity report is wrong"
import json, sys
slots = {l.split()[0]: int(l.split()[2]) for l in open(sys.argv[1])}
r = json.load(open(sys.argv[2]))
errors = []
if len(r["run"]["hosts"]) != 3:
    errors.append(f"hosts = {r['run']['hosts']}, expected 3")
want = {0: ("node1", 0), 1: ("node1", 1), 2: ("node2", 0), 3: ("node3", 0)}
seen = {}
for row in r["table"]:
    seen[row["rank"]] = (row["host"], row["local_rank"])
    if row["threads"] != 2:
        errors.append(f"rank {row['rank']}: {row['threads']} threads, expected 2")
if seen != want:
    errors.append(f"placement {seen}, expected {want}")
threads = {"node1": 4, "node2": 2, "node3": 2}
text = json.dumps(r["warnings"])
for host, t in threads.items():
    over = t > slots[host]
    named = f"host {host}" in text
    if over != named:
        errors.append(f"{host}: {t} threads on {slots[host]} CPUs, but named in a finding: {named}")
# one topology per host (hwloc inside each emulated node), and each host's block in the table
topos = r.get("topologies", {})
if sorted(topos) != ["node1", "node2", "node3"]:
    errors.append(f"topologies for {sorted(topos)}, expected node1..node3")
for host, t in topos.items():
    pus = len(t["topology"]["pus"])
    if pus != slots[host]:
        errors.append(f"{host}: the topology has {pus} PUs, the node {slots[host]} CPUs")
for row in r["table"]:
    if not row.get("numa") or not row.get("packages"):
        errors.append(f"rank {row['rank']}: no NUMA/package columns: {row}")
        break
for e in errors:
    print("error:", e)
sys.exit(1 if errors else 0)
PY
for h in node1 node2 node3; do grep -q "^host $h: 1 package, 1 NUMA node" aff.out || fail "no table block for $h"; done
# the advice for the node type, from a rank on node2 (its live topology)
run_on node2:1 1 60 suggest.out "$BIN/tessera-affinity" --suggest --ranks-per-node 1 --threads-per-rank 1 ||
  { cat suggest.out; fail "--suggest on node2"; }
grep -q '^  mpirun: mpirun ' suggest.out && grep -qx VERIFIED suggest.out || { cat suggest.out; fail "--suggest on node2: no advice"; }
echo "cluster.affinity: 3 hosts, node-local ranks right, findings name the oversubscribed host, a topology block per host"
