#!/usr/bin/env bash
# start-cluster.sh: an N-node HPC cluster on this one machine, for trying Tessera across nodes, and
# for the tests (ctest -L cluster, -L slurm). Root and Linux namespaces needed.
#
#   jobs/local/start-cluster.sh --nodes 3      # prints: source <base>/env.sh
#   source <base>/env.sh                       # PATH, TESSERA_HOSTFILE, SLURM_CONF
#   tessera-cluster-mpirun -np 6 --map-by node tessera-heat --n 2048 --steps 200 -o heat.h5
#   sbatch --nodes=3 --ntasks-per-node=2 jobs/heat.sbatch
#   jobs/local/cluster-exec node2 hostname     # run anything on one node
#   jobs/local/stop-cluster.sh                 # everything it started is gone
#
# What each node is: its own network, UTS (hostname nodeK) and mount namespace. The network
# namespaces are joined by a bridge that lives in a namespace of its own (the "switch"), so no
# address or link is ever added to this machine's own network; node K is 10.250.0.K/24 on its
# eth0 (a veth). Inside a node: /etc/hosts names every node, /tmp is node-local scratch
# (<base>/nodes/nodeK/tmp), /dev/shm is a tmpfs of its own; every other path is the machine's file
# system, shared by all nodes as a cluster file system is. When the machine has at least as many
# CPUs as nodes, each node gets its own CPUs (a cpuset cgroup, or the affinity mask where no
# cpuset controller is available); otherwise the nodes share the CPUs, and env.sh makes Open MPI
# yield when idle. Hostfile slots equal each node's CPUs.
#
# Open MPI starts remote daemons without sshd: its rsh agent is jobs/local/cluster-rsh, which
# enters the target node's namespaces. TCP between nodes (btl tcp on eth0), shared memory inside.
# Slurm: slurmctld on node1 (also a compute node, as on a small cluster), one slurmd per node
# (NodeName = hostname, its own spool, log and pid file), munge; `srun --mpi=pmix` and
# `sbatch --nodes=N` work across nodes. The Slurm clients on PATH after env.sh run on node1 (the
# "login node") when called from outside the cluster, and as they are inside it.
#
# Options:
#   --nodes N         nodes (default 1; a running cluster of another size is an error)
#   --lifetime S      the cluster stops itself after S seconds (default 14400: nothing is left
#                     running for ever); 0 disables it
#   --no-slurm        namespaces and MPI only (no munge/slurmctld/slurmd)
# Environment:
#   TESSERA_CLUSTER_BASE  base directory (default /var/tmp/tessera-cluster; not under /tmp, which
#                         is node-local inside the cluster)
#   TESSERA_CLUSTER_WAIT  seconds to wait for Slurm to be ready (default 60)
# Idempotent: on a running cluster it only checks it and restarts a daemon that died.
# Exit status: 0 ready, 1 something did not come up (log tail printed), 2 bad usage or no root /
# no namespaces here (the reason is printed), 3 package install failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
# shellcheck source=jobs/local/cluster-lib.sh
source "$HERE/cluster-lib.sh"

nodes=1 lifetime=14400 with_slurm=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --nodes) [[ $# -ge 2 ]] || cl_die "--nodes needs a number" 2; nodes=$2; shift 2 ;;
    --nodes=*) nodes=${1#*=}; shift ;;
    --lifetime) [[ $# -ge 2 ]] || cl_die "--lifetime needs seconds" 2; lifetime=$2; shift 2 ;;
    --lifetime=*) lifetime=${1#*=}; shift ;;
    --no-slurm) with_slurm=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) cl_die "unknown argument '$1' (see --help)" 2 ;;
  esac
done
[[ $nodes =~ ^[1-9][0-9]*$ && $nodes -le 64 ]] || cl_die "--nodes must be a number from 1 to 64, got '$nodes'" 2
[[ $lifetime =~ ^[0-9]+$ ]] || cl_die "--lifetime must be a number of seconds, got '$lifetime'" 2
cl_check_base
cl_check_privileges

readonly WAIT_S=${TESSERA_CLUSTER_WAIT:-60}
mkdir -p "$CL_BASE"/{etc,run,log,state,spool,bin,nodes}

# One start at a time per base (a second caller waits, then finds the cluster up).
exec 8>"$CL_BASE/run/start.lock"
flock -w 120 8 || cl_die "another start-cluster.sh held $CL_BASE/run/start.lock for 120 s"

# --- a running cluster: check its size, then only repair ----------------------------------------------
if [[ -r $CL_BASE/etc/nodes ]] && cl_holder_alive switch; then
  have=$(wc -l <"$CL_BASE/etc/nodes")
  [[ $have -eq $nodes ]] || cl_die "a $have-node cluster is running under $CL_BASE; stop it first (jobs/local/stop-cluster.sh) or set TESSERA_CLUSTER_BASE" 2
  for ((k = 1; k <= nodes; k++)); do
    cl_holder_alive "node$k" || cl_die "node$k of the running cluster is gone (its namespaces died); stop the cluster and start it again" 1
  done
  fresh=0
else
  fresh=1
fi

# --- CPUs: own CPUs per node where there are enough -----------------------------------------------------
mapfile -t cpus < <(cl_allowed_cpus)
ncpu=${#cpus[@]}
declare -a node_cpus=()
if [[ $ncpu -ge $nodes ]]; then
  per=$((ncpu / nodes)) extra=$((ncpu % nodes)) at=0
  for ((k = 1; k <= nodes; k++)); do
    n=$((per + (k <= extra ? 1 : 0)))
    node_cpus[k]=$(IFS=,; echo "${cpus[*]:at:n}")
    at=$((at + n))
  done
  shared_cpus=0
else
  for ((k = 1; k <= nodes; k++)); do node_cpus[k]=$(IFS=,; echo "${cpus[*]}"); done
  shared_cpus=1
fi

# A start that fails half-way leaves nothing behind (but a running cluster is never torn down).
_cl_started_ok=0
_cl_fail_cleanup() {
  local rc=$?
  if [[ $_cl_started_ok -eq 0 && $rc -ne 0 && ${fresh:-0} -eq 1 ]]; then
    echo "$CL_PROG: start failed (exit $rc); removing what it started" >&2
    "$HERE/stop-cluster.sh" --quiet 8>&- || true
  fi
}
trap _cl_fail_cleanup EXIT

if [[ $fresh -eq 1 ]]; then
  # Leftovers of a cluster that died without stop-cluster.sh (holders gone): clear them first.
  "$HERE/stop-cluster.sh" --quiet || true
  mkdir -p "$CL_BASE"/{etc,run,log,state,spool,bin,nodes}
  rm -f "$CL_BASE"/etc/nodes "$CL_BASE"/etc/hostfile

  # --- the switch: a network namespace holding only the bridge ------------------------------------------
  cl_start_holder switch --net
  sw=$(<"$CL_BASE/run/switch.pid")
  nsenter -t "$sw" -n ip link set lo up
  nsenter -t "$sw" -n ip link add br0 type bridge
  nsenter -t "$sw" -n ip link set br0 up

  # --- /etc/hosts of the nodes ----------------------------------------------------------------------------
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    for ((k = 1; k <= nodes; k++)); do echo "$(cl_node_ip "$k") node$k"; done
  } >"$CL_BASE/etc/hosts"

  cl_cgroup_setup
  for ((k = 1; k <= nodes; k++)); do
    name=node$k
    cl_start_holder "$name" --net --uts --mount --propagation private
    pid=$(<"$CL_BASE/run/$name.pid")
    cl_cgroup_node "$name" "${node_cpus[k]}" "$pid"
    echo "${node_cpus[k]}" >"$CL_BASE/run/$name.cpus"
    # network: veth pair, one end on the bridge, the other the node's eth0
    nsenter -t "$sw" -n ip link add "v$name" type veth peer name eth0 netns "$pid"
    nsenter -t "$sw" -n ip link set "v$name" master br0 up
    nsenter -t "$pid" -n ip link set lo up
    nsenter -t "$pid" -n ip addr add "$(cl_node_ip "$k")/24" dev eth0
    nsenter -t "$pid" -n ip link set eth0 up
    # identity and node-local file systems
    nsenter -t "$pid" -u hostname "$name"
    mkdir -p "$CL_BASE/nodes/$name/tmp"
    chmod 1777 "$CL_BASE/nodes/$name/tmp"
    nsenter -t "$pid" -m mount --bind "$CL_BASE/nodes/$name/tmp" /tmp
    nsenter -t "$pid" -m mount -t tmpfs -o mode=1777,size=25% "shm-$name" /dev/shm
    nsenter -t "$pid" -m mount --bind "$CL_BASE/etc/hosts" /etc/hosts
    slots=$(tr ',' '\n' <<<"${node_cpus[k]}" | wc -l)
    echo "$name $(cl_node_ip "$k") $slots ${node_cpus[k]}" >>"$CL_BASE/etc/nodes.tmp"
    echo "$name slots=$slots" >>"$CL_BASE/etc/hostfile.tmp"
  done
  mv -f "$CL_BASE/etc/nodes.tmp" "$CL_BASE/etc/nodes"
  mv -f "$CL_BASE/etc/hostfile.tmp" "$CL_BASE/etc/hostfile"
  echo "$shared_cpus" >"$CL_BASE/run/shared_cpus"

  # The last node answers the first: the links are up.
  if ((nodes > 1)); then
    ok=0
    for ((i = 0; i < 50; i++)); do
      # a closed port that answers "connection refused" has been reached (no ping needed)
      out=$(cl_exec "node$nodes" timeout 2 bash -c 'exec 3<>/dev/tcp/node1/9' 2>&1 || true)
      if [[ $out == *"Connection refused"* ]]; then ok=1; break; fi
      sleep 0.1
    done
    [[ $ok -eq 1 ]] || cl_die "node$nodes cannot reach node1 over the bridge" 1
  fi

  # --- the watchdog: nothing lives for ever --------------------------------------------------------------
  if [[ $lifetime -gt 0 ]]; then
    TESSERA_CLUSTER_BASE=$CL_BASE setsid bash -c "sleep $lifetime; exec '$HERE/stop-cluster.sh' --expired" \
      </dev/null >>"$CL_BASE/log/watchdog.log" 2>&1 8>&- &
    echo $! >"$CL_BASE/run/watchdog.pid"
  fi
  date -u +%s >"$CL_BASE/run/started"
fi

cl_write_bin
cl_write_env "$shared_cpus"

# --- Slurm ---------------------------------------------------------------------------------------------------
if [[ $with_slurm -eq 1 ]]; then
  cl_slurm_install
  [[ $fresh -eq 0 && -r $CL_BASE/etc/slurm.conf ]] || cl_slurm_conf "$nodes"
  cl_munge_start
  cl_slurm_daemon node1 slurmctld
  export SLURM_CONF=$CL_BASE/etc/slurm.conf
  ok=0
  for ((i = 0; i < WAIT_S * 10; i++)); do
    if cl_exec node1 scontrol ping >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [[ $ok -eq 1 ]] || { cl_tail_logs "$CL_BASE/log/slurmctld.log"; cl_die "slurmctld on node1 does not answer 'scontrol ping'"; }
  for ((k = 1; k <= nodes; k++)); do cl_slurm_daemon "node$k" slurmd; done
  # Ready when every node is schedulable (idle, or busy with jobs of an earlier start).
  states=""
  for ((i = 0; i < WAIT_S * 10; i++)); do
    states=$(cl_exec node1 sinfo -h -N -o '%N %t' 2>/dev/null | sort -u || true)
    good=$(grep -cE ' (idle|mix|alloc|comp)$' <<<"$states" || true)
    [[ $good -ge $nodes ]] && break
    # a node that went down with the processes of a killed node comes back when its slurmd is up
    if ((i % 20 == 19)); then
      cl_exec node1 scontrol update nodename="node[1-$nodes]" state=resume >/dev/null 2>&1 || true
    fi
    sleep 0.1
  done
  if [[ $good -lt $nodes ]]; then
    cl_tail_logs "$CL_BASE/log/slurmctld.log" "$CL_BASE"/log/slurmd-node*.log
    cl_die "Slurm nodes not ready after ${WAIT_S} s: $(tr '\n' ' ' <<<"$states")"
  fi
fi

if [[ $shared_cpus -eq 1 ]]; then
  note="the $nodes nodes share this machine's $ncpu CPU(s)"
else
  note="each node has its own CPUs: $(for ((k = 1; k <= nodes; k++)); do printf 'node%d=%s ' "$k" "${node_cpus[k]}"; done)"
fi
_cl_started_ok=1
cl_note "ready: $nodes node(s) under $CL_BASE ($note); run: source $CL_BASE/env.sh"
