# shellcheck shell=bash
# jobs/local/cluster-lib.sh: what start-cluster.sh, stop-cluster.sh, cluster-exec, cluster-rsh,
# kill-node.sh and the client wrappers share (sourced, not run). See start-cluster.sh for the design.
#
# State of one cluster, all under $CL_BASE:
#   run/<name>.pid     the holder process of a node's namespaces (or of the switch): `sleep infinity`
#   run/<name>.netns   its network namespace ("net:[inode]"), to find every process of that node
#   run/<name>.cpus    the node's CPU list
#   run/cgroup         the cpuset cgroup directory of the cluster (empty: affinity masks instead)
#   etc/nodes          one line a node: name address slots cpus
#   etc/hostfile       Open MPI hostfile (slots = the node's CPUs)
#   etc/hosts          /etc/hosts inside the nodes
#   etc/slurm.conf, state/, spool/<node>/, log/, nodes/<node>/tmp (the node's /tmp)

CL_BASE=${TESSERA_CLUSTER_BASE:-/var/tmp/tessera-cluster}
CL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_SUBNET=10.250.0
CL_REGISTRY=/run/tessera-cluster   # which bases are up, and the munged we started for them
PATH=$PATH:/usr/sbin:/sbin
CL_PROG=$(basename "$0")

cl_die() { echo "$CL_PROG: $1" >&2; exit "${2:-1}"; }
cl_note() { echo "$CL_PROG: $*"; }

cl_tail_logs() {
  local f
  for f in "$@"; do
    [[ -r $f ]] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 20 "$f" >&2
  done
}

cl_check_base() {
  [[ $CL_BASE == /* && $CL_BASE != *[[:space:]]* ]] \
    || cl_die "TESSERA_CLUSTER_BASE must be an absolute path without spaces, got '$CL_BASE'" 2
  case $CL_BASE/ in
    /tmp/*) cl_die "TESSERA_CLUSTER_BASE must not be under /tmp: inside the cluster /tmp is node-local, and every node must see the base (got '$CL_BASE')" 2 ;;
  esac
}

# Root, and the namespaces and tools the cluster is made of; exit 2 with the reason otherwise.
cl_check_privileges() {
  [[ $(id -u) -eq 0 ]] || cl_die "needs root (network, UTS and mount namespaces, cgroups, the Slurm daemons); run it as root" 2
  local t
  for t in unshare nsenter ip flock setsid; do
    command -v "$t" >/dev/null 2>&1 || cl_die "'$t' not found (util-linux, iproute2)" 2
  done
  local why
  if ! why=$(unshare --net --uts --mount --propagation private true 2>&1); then
    cl_die "cannot create network, UTS and mount namespaces here: ${why:-unshare failed}" 2
  fi
  if ! why=$(unshare --net sh -c 'ip link add tcl0 type veth peer name tcl1 && ip link add tbr0 type bridge' 2>&1); then
    cl_die "cannot create veth links or a bridge inside a network namespace: ${why:-ip link failed}" 2
  fi
}

cl_node_ip() { echo "$CL_SUBNET.$1"; }

# True while process $1 exists and is not a zombie waiting to be reaped.
cl_running() {
  local st
  st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# Holder pid of node or switch $1 when it is alive and still the process that made the namespaces.
cl_holder_pid() {
  local f=$CL_BASE/run/$1.pid pid
  [[ -r $f && -r $CL_BASE/run/$1.netns ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sleep ]] || return 1
  [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "$(<"$CL_BASE/run/$1.netns")" ]] || return 1
  echo "$pid"
}
cl_holder_alive() { cl_holder_pid "$1" >/dev/null; }

# cl_start_holder NAME UNSHARE_FLAGS... : a process that only holds new namespaces (sleep infinity).
cl_start_holder() {
  local name=$1 i
  shift
  rm -f "$CL_BASE/run/$name.pid" "$CL_BASE/run/$name.netns"
  setsid unshare "$@" -- sh -c 'echo $$ >"$1"; exec sleep infinity' holder "$CL_BASE/run/$name.pid.new" \
    </dev/null >/dev/null 2>&1 8>&- 9>&- &
  for ((i = 0; i < 50; i++)); do
    [[ -s $CL_BASE/run/$name.pid.new && $(cat "/proc/$(<"$CL_BASE/run/$name.pid.new")/comm" 2>/dev/null) == sleep ]] && break
    sleep 0.05
  done
  local pid
  pid=$(<"$CL_BASE/run/$name.pid.new") || cl_die "the namespaces of $name did not come up"
  readlink "/proc/$pid/ns/net" >"$CL_BASE/run/$name.netns"
  mv -f "$CL_BASE/run/$name.pid.new" "$CL_BASE/run/$name.pid"
}

# The CPUs this machine lets us use, one per line.
cl_allowed_cpus() {
  local list part a b i
  list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  IFS=, read -r -a parts <<<"$list"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then
      a=${part%-*} b=${part#*-}
      for ((i = a; i <= b; i++)); do echo "$i"; done
    else
      echo "$part"
    fi
  done
}

# --- CPU sets: a cpuset cgroup per node (v1 or v2), or affinity masks where there is none --------------
cl_cgroup_id() { echo "tessera-$(printf '%s' "$CL_BASE" | md5sum | cut -c1-8)"; }

cl_cgroup_setup() {
  local dir="" id
  id=$(cl_cgroup_id)
  if [[ -w /sys/fs/cgroup/cpuset/cpuset.cpus ]]; then   # v1 cpuset hierarchy
    dir=/sys/fs/cgroup/cpuset/$id
    if mkdir -p "$dir" 2>/dev/null &&
      cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$dir/cpuset.cpus" 2>/dev/null &&
      cat /sys/fs/cgroup/cpuset/cpuset.mems >"$dir/cpuset.mems" 2>/dev/null; then
      echo "v1 $dir" >"$CL_BASE/run/cgroup"
      return 0
    fi
    rmdir "$dir" 2>/dev/null || true
  fi
  if grep -qw cpuset /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then   # v2 unified hierarchy
    dir=/sys/fs/cgroup/$id
    if echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null && mkdir -p "$dir" 2>/dev/null &&
      echo +cpuset >"$dir/cgroup.subtree_control" 2>/dev/null; then
      echo "v2 $dir" >"$CL_BASE/run/cgroup"
      return 0
    fi
    rmdir "$dir" 2>/dev/null || true
  fi
  : >"$CL_BASE/run/cgroup"   # none: cl_enter falls back to taskset
}

# cl_cgroup_node NAME CPUS PID
cl_cgroup_node() {
  local kind dir
  read -r kind dir <"$CL_BASE/run/cgroup" || true
  [[ -n ${kind:-} ]] || return 0
  mkdir -p "$dir/$1"
  echo "$2" >"$dir/$1/cpuset.cpus"
  if [[ $kind == v1 ]]; then
    cat "$dir/cpuset.mems" >"$dir/$1/cpuset.mems"
    echo "$3" >"$dir/$1/tasks"
  else
    echo "$3" >"$dir/$1/cgroup.procs"
  fi
}

# Moves the calling shell ($BASHPID) into node $1's CPUs: its cpuset cgroup, else its affinity mask.
cl_join_cpus() {
  local kind="" dir="" cpus
  [[ -r $CL_BASE/run/cgroup ]] && read -r kind dir <"$CL_BASE/run/cgroup" || true
  if [[ $kind == v1 && -d $dir/$1 ]]; then
    echo "$BASHPID" >"$dir/$1/tasks"
  elif [[ $kind == v2 && -d $dir/$1 ]]; then
    echo "$BASHPID" >"$dir/$1/cgroup.procs"
  elif [[ -r $CL_BASE/run/$1.cpus ]] && command -v taskset >/dev/null 2>&1; then
    cpus=$(<"$CL_BASE/run/$1.cpus")
    taskset -pc "$cpus" "$BASHPID" >/dev/null
  fi
}

# cl_exec NODE CMD... : run CMD on NODE (its namespaces and CPUs), working directory /.
cl_exec() {
  local node=$1 pid
  shift
  pid=$(cl_holder_pid "$node") || cl_die "no node '$node' in the cluster under $CL_BASE (is it started?)" 2
  ( cl_join_cpus "$node"; exec nsenter -t "$pid" -n -u -m --wd=/ -- "$@" )
}

# True when this process runs inside one of the cluster's nodes.
cl_inside() {
  local mine f
  mine=$(readlink /proc/self/ns/net)
  for f in "$CL_BASE"/run/node*.netns; do
    [[ -r $f && $(<"$f") == "$mine" ]] && return 0
  done
  return 1
}

# The node this process runs on (empty outside the cluster).
cl_current_node() {
  local mine f
  mine=$(readlink /proc/self/ns/net)
  for f in "$CL_BASE"/run/node*.netns; do
    [[ -r $f && $(<"$f") == "$mine" ]] && { basename "$f" .netns; return 0; }
  done
  return 1
}

# PIDs of every process of node $1 (by its network namespace), the holder excepted.
cl_node_pids() {
  local ns holder p
  [[ -r $CL_BASE/run/$1.netns ]] || return 0
  ns=$(<"$CL_BASE/run/$1.netns")
  holder=$(cat "$CL_BASE/run/$1.pid" 2>/dev/null || true)
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$holder" || $p == "$$" || $p == "$BASHPID" ]] && continue
    [[ $(readlink "/proc/$p/ns/net" 2>/dev/null) == "$ns" ]] && echo "$p"
  done
}

# --- generated files ---------------------------------------------------------------------------------------
cl_write_bin() {
  local b=$CL_BASE/bin c
  mkdir -p "$b"
  ln -sfn "$CL_HERE/tessera-cluster-mpirun" "$b/tessera-cluster-mpirun"
  ln -sfn "$CL_HERE/cluster-exec" "$b/cluster-exec"
  for c in sbatch srun salloc squeue sinfo scontrol scancel sacct sattach sstat; do
    ln -sfn "$CL_HERE/slurm-client" "$b/$c"
  done
}

cl_write_env() {  # SHARED_CPUS
  local tmp
  tmp=$(mktemp "$CL_BASE/.env.sh.XXXXXX")
  {
    echo "# Source me: the emulated cluster under $CL_BASE (written by jobs/local/start-cluster.sh)."
    echo "export TESSERA_CLUSTER_BASE=$CL_BASE"
    echo "export TESSERA_HOSTFILE=$CL_BASE/etc/hostfile"
    echo "export SLURM_CONF=$CL_BASE/etc/slurm.conf"
    echo "case :\$PATH: in *:$CL_BASE/bin:*) ;; *) export PATH=$CL_BASE/bin:\$PATH ;; esac"
    if [[ $(id -u) -eq 0 ]]; then
      echo "# local use only: Open MPI as root"
      echo "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    fi
    if [[ $1 -eq 1 ]]; then
      echo "# the nodes share CPUs: ranks must yield when idle, or they busy-poll each other's CPUs"
      echo "export OMPI_MCA_mpi_yield_when_idle=1"
    fi
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CL_BASE/env.sh"
}

# --- Slurm -------------------------------------------------------------------------------------------------
cl_slurm_install() {
  local need=0 cmd pkgs=(slurmctld slurmd slurm-client munge)
  for cmd in slurmctld slurmd sinfo sbatch srun scontrol munged munge unmunge; do
    command -v "$cmd" >/dev/null 2>&1 || need=1
  done
  [[ $need -eq 1 ]] || return 0
  cl_note "installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local log=$CL_BASE/log/apt.log
  if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >"$log" 2>&1; then
    apt-get update -q >>"$log" 2>&1 || true
    apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 \
      || { tail -n 20 "$log" >&2; cl_die "apt-get install ${pkgs[*]} failed" 3; }
  fi
}

cl_slurm_conf() {  # NODES
  local nodes=$1 k name ip slots cpus mem tmp
  mem=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
  mem=$((mem * 90 / 100 / nodes))   # below the real share, so no node is drained for Low RealMemory
  tmp=$(mktemp "$CL_BASE/etc/.slurm.conf.XXXXXX")
  cat >"$tmp" <<EOF
# Written by jobs/local/start-cluster.sh: a private $nodes-node cluster on one machine.
ClusterName=tessera
SlurmctldHost=node1($(cl_node_ip 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
# Step credential lifetime; it is also how long a requeued job waits before it may start again
# (default 120 s). 10 s is ample here and keeps requeue tests short.
AuthInfo=cred_expire=10
MailProg=/bin/true

StateSaveLocation=$CL_BASE/state
SlurmdSpoolDir=$CL_BASE/spool/%n
SlurmctldPidFile=$CL_BASE/run/slurmctld.pid
SlurmdPidFile=$CL_BASE/run/slurmd-%n.pid
SlurmctldLogFile=$CL_BASE/log/slurmctld.log
SlurmdLogFile=$CL_BASE/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# node-local scratch (each node's /tmp is its own): slurmd's PMIx directories never collide
TmpFS=/tmp

# No cgroups inside the emulated nodes: plain /proc process tracking, no binding by Slurm (the
# node's CPUs are already its cpuset).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SlurmdParameters=config_overrides
# Debian's Open MPI talks to srun only through PMIx (pmi2 and none fail in MPI_Init).
MpiDefault=pmix

SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DependencyParameters=kill_invalid_depend
EnforcePartLimits=ALL
MinJobAge=5
JobRequeue=1
KillWait=10
ReturnToService=2
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=20

AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$CL_BASE/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/none

EOF
  while read -r name ip slots cpus; do
    echo "NodeName=$name NodeAddr=$ip CPUs=$slots Boards=1 SocketsPerBoard=1 CoresPerSocket=$slots ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN" >>"$tmp"
  done <"$CL_BASE/etc/nodes"
  cat >>"$tmp" <<EOF
# Jobs never share a CPU, as on a real cluster; --overcommit for more tasks than CPUs in one job.
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE OverSubscribe=NO State=UP
EOF
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CL_BASE/etc/slurm.conf"
}

# One munged serves every node (its socket is on the shared /run). Reused if one already answers;
# the one we start is stopped by the last cluster to stop.
cl_munge_start() {
  mkdir -p "$CL_REGISTRY/bases"
  : >"$CL_REGISTRY/bases/$(cl_cgroup_id)"
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    cl_note "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged 8>&- 9>&-
  local i
  for ((i = 0; i < 50; i++)); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      cp /run/munge/munged.pid "$CL_REGISTRY/munged.pid"
      return 0
    fi
    sleep 0.1
  done
  cl_tail_logs /var/log/munge/munged.log
  cl_die "munged did not come up (munge -n | unmunge fails)"
}

# cl_daemon_pid NAME: the pid of a live Slurm daemon of ours (slurmctld, slurmd-nodeK).
cl_daemon_pid() {
  local f=$CL_BASE/run/$1.pid pid
  [[ -r $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "${1%%-*}" ]] || return 1
  echo "$pid"
}

cl_slurm_daemon() {  # NODE slurmctld|slurmd
  local node=$1 daemon=$2 key i
  key=$daemon
  [[ $daemon == slurmd ]] && key=slurmd-$node
  cl_daemon_pid "$key" >/dev/null && return 0
  mkdir -p "$CL_BASE/spool/$node"
  SLURM_CONF=$CL_BASE/etc/slurm.conf cl_exec "$node" "$(command -v "$daemon")" -f "$CL_BASE/etc/slurm.conf" \
    </dev/null >/dev/null 2>&1 8>&- 9>&-
  for ((i = 0; i < 100; i++)); do
    cl_daemon_pid "$key" >/dev/null && return 0
    sleep 0.1
  done
  if [[ $daemon == slurmd ]]; then cl_tail_logs "$CL_BASE/log/slurmd-$node.log"; else cl_tail_logs "$CL_BASE/log/slurmctld.log"; fi
  cl_die "$daemon did not start on $node"
}
