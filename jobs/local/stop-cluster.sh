#!/usr/bin/env bash
# stop-cluster.sh: stop the emulated cluster that jobs/local/start-cluster.sh started.
#
# Cancels every job (while the daemons still run, so steps are torn down cleanly), stops slurmd on
# every node and slurmctld, then ends every process left on each node (found by the node's network
# namespace), the namespace holders last: with them go the namespaces, the veth links, the bridge
# and the node-local mounts. Removes the cpuset cgroups and the watchdog; stops munged if it was
# started for the emulated clusters and no other one is up. Logs, Slurm state and the job
# completion file are kept under the base directory. Idempotent: with nothing running it does
# nothing. Only processes inside the cluster's own namespaces, and daemons named by its PID files,
# are ever signalled.
#
# Usage:
#   jobs/local/stop-cluster.sh [--quiet]
# Environment:
#   TESSERA_CLUSTER_BASE   the base given to start-cluster.sh (default /var/tmp/tessera-cluster)
# Exit status: 0 stopped (or nothing to stop), 1 something would not stop, 2 bad usage.
set -euo pipefail
# shellcheck source=jobs/local/cluster-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cluster-lib.sh"

quiet=0 expired=0
for a in "$@"; do
  case $a in
    --quiet) quiet=1 ;;
    --expired) expired=1 ;;   # the watchdog's call when the lifetime is over
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) cl_die "unknown argument '$a' (see --help)" 2 ;;
  esac
done
say() { [[ $quiet -eq 1 ]] || cl_note "$*"; }
cl_check_base
[[ -d $CL_BASE/run ]] || exit 0
[[ $(id -u) -eq 0 ]] || cl_die "needs root" 2
[[ $expired -eq 0 ]] || say "lifetime over: stopping the cluster under $CL_BASE"

# --- jobs first ---------------------------------------------------------------------------------------
if cl_daemon_pid slurmctld >/dev/null && cl_holder_alive node1 && [[ -r $CL_BASE/etc/slurm.conf ]]; then
  export SLURM_CONF=$CL_BASE/etc/slurm.conf
  mapfile -t jobs < <(cl_exec node1 timeout 10 squeue -h -o %i 2>/dev/null || true)
  if [[ ${#jobs[@]} -gt 0 && -n ${jobs[0]} ]]; then
    say "cancelling ${#jobs[@]} job(s): ${jobs[*]}"
    cl_exec node1 scancel "${jobs[@]}" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      [[ -z $(cl_exec node1 squeue -h -t R,CG,S -o %i 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
fi

# --- daemons by PID file: TERM, up to 10 s, then KILL ----------------------------------------------------
declare -A pids=()
for f in "$CL_BASE"/run/slurmd-*.pid "$CL_BASE"/run/slurmctld.pid; do
  [[ -e $f ]] || continue
  key=$(basename "$f" .pid)
  if pid=$(cl_daemon_pid "$key"); then
    pids[$key]=$pid
    kill -TERM "$pid" 2>/dev/null || true
  else
    rm -f "$f"
  fi
done
for ((i = 0; i < 100 && ${#pids[@]} > 0; i++)); do
  left=0
  for pid in "${pids[@]}"; do cl_running "$pid" && left=1; done
  [[ $left -eq 0 ]] && break
  sleep 0.1
done
status=0
for key in "${!pids[@]}"; do
  pid=${pids[$key]}
  cl_running "$pid" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$CL_BASE/run/$key.pid"
  say "stopped $key ($pid)"
done

# --- every other process of every node, then the holders ------------------------------------------------
for f in "$CL_BASE"/run/node*.netns; do
  [[ -e $f ]] || continue
  node=$(basename "$f" .netns)
  mapfile -t left < <(cl_node_pids "$node")
  if [[ ${#left[@]} -gt 0 ]]; then
    kill -TERM "${left[@]}" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      mapfile -t left < <(cl_node_pids "$node")
      [[ ${#left[@]} -eq 0 ]] && break
      sleep 0.1
    done
    [[ ${#left[@]} -eq 0 ]] || kill -KILL "${left[@]}" 2>/dev/null || true
  fi
done
for f in "$CL_BASE"/run/node*.pid "$CL_BASE"/run/switch.pid; do
  [[ -e $f ]] || continue
  name=$(basename "$f" .pid)
  if pid=$(cl_holder_pid "$name"); then
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do cl_running "$pid" || break; sleep 0.02; done
    cl_running "$pid" && { echo "$CL_PROG: holder of $name ($pid) would not stop" >&2; status=1; }
  fi
  rm -f "$f" "$CL_BASE/run/$name.netns" "$CL_BASE/run/$name.cpus"
done
[[ $status -ne 0 ]] || say "namespaces, links and bridge removed"

# --- cgroups, watchdog, munged ---------------------------------------------------------------------------
if [[ -s $CL_BASE/run/cgroup ]]; then
  read -r _kind dir <"$CL_BASE/run/cgroup"
  for d in "$dir"/node*; do [[ -d $d ]] && rmdir "$d" 2>/dev/null || true; done
  rmdir "$dir" 2>/dev/null || { echo "$CL_PROG: cgroup $dir still busy" >&2; status=1; }
fi
rm -f "$CL_BASE/run/cgroup"
if [[ -r $CL_BASE/run/watchdog.pid ]]; then
  pid=$(<"$CL_BASE/run/watchdog.pid")
  if [[ $pid != "$$" && $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == bash ]]; then
    pkill -KILL -P "$pid" sleep 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$CL_BASE/run/watchdog.pid"
fi
rm -f "$CL_REGISTRY/bases/$(cl_cgroup_id)"
if [[ -r $CL_REGISTRY/munged.pid ]] && [[ -z $(ls -A "$CL_REGISTRY/bases" 2>/dev/null) ]]; then
  pid=$(<"$CL_REGISTRY/munged.pid")
  if [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == munged ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do cl_running "$pid" || break; sleep 0.1; done
    say "stopped munged ($pid)"
  fi
  rm -f "$CL_REGISTRY/munged.pid"
fi
rm -f "$CL_BASE/etc/nodes" "$CL_BASE/etc/hostfile" "$CL_BASE/run/started" "$CL_BASE/run/shared_cpus"
exit $status
