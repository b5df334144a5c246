#!/usr/bin/env bash
# kill-node.sh NODE [SIGNAL]: a node failure on the emulated cluster: sends SIGNAL (default KILL)
# to every process of NODE at once (its ranks, orted, slurmd, anything started there), found by
# the node's network namespace. The node itself (its namespaces) stays, so start-cluster.sh brings
# its daemons back ("reboots" it). Prints how many processes it signalled.
set -euo pipefail
# shellcheck source=jobs/local/cluster-lib.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/cluster-lib.sh"
[[ $# -ge 1 && $# -le 2 ]] || cl_die "usage: kill-node.sh NODE [SIGNAL]" 2
cl_holder_alive "$1" || cl_die "no node '$1' up under $CL_BASE" 2
sig=${2:-KILL}
mapfile -t pids < <(cl_node_pids "$1")
if [[ ${#pids[@]} -gt 0 ]]; then kill -s "$sig" "${pids[@]}" 2>/dev/null || true; fi
echo "kill-node: SIG$sig to ${#pids[@]} process(es) on $1"
