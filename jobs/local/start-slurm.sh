#!/usr/bin/env bash
# start-slurm.sh: bring up a private single-node Slurm (munge, slurmctld, slurmd) without systemd.
#
# For trying the jobs/ scripts on a laptop and for CI (ctest -L slurm). Idempotent: running it again
# while the cluster is up only checks that the node is ready. Installs the Debian packages when they
# are missing (root, or sudo otherwise). Everything Slurm writes lives under one base directory.
#
# Usage:
#   jobs/local/start-slurm.sh            # then: source /tmp/tessera-slurm/env.sh
#   sbatch --wait jobs/some.sbatch
#   jobs/local/stop-slurm.sh
#
# Environment:
#   TESSERA_SLURM_BASE   base directory (default /tmp/tessera-slurm): etc/ state/ spool/ log/ run/ env.sh
#   TESSERA_SLURM_PORT   slurmctld port (default 6817); slurmd uses PORT+1
#   TESSERA_SLURM_CPUS   CPUs the node advertises (default: the real count, at least 4, so that
#                        4-task jobs run as written; tasks then time-share the real cores)
#   TESSERA_SLURM_WAIT   seconds to wait for the node to become ready (default 30)
# Exit status: 0 ready, 1 a daemon did not come up (log tail printed), 2 bad usage, 3 install failed.
set -euo pipefail

readonly BASE=${TESSERA_SLURM_BASE:-/tmp/tessera-slurm}
readonly CTLD_PORT=${TESSERA_SLURM_PORT:-6817}
readonly SLURMD_PORT=$((CTLD_PORT + 1))
readonly WAIT_S=${TESSERA_SLURM_WAIT:-30}
readonly CONF=$BASE/etc/slurm.conf
readonly RUN=$BASE/run
readonly LOG=$BASE/log

die() { echo "start-slurm: $*" >&2; exit "${2:-1}"; }
note() { echo "start-slurm: $*"; }

if [[ $# -gt 0 ]]; then
  case $1 in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (no arguments are taken; see --help)" 2 ;;
  esac
fi
[[ $CTLD_PORT =~ ^[0-9]+$ ]] || die "TESSERA_SLURM_PORT must be a number, got '$CTLD_PORT'" 2
[[ $BASE == /* && $BASE != *[[:space:]]* ]] \
  || die "TESSERA_SLURM_BASE must be an absolute path without spaces, got '$BASE'" 2

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "not root and no sudo: the Slurm daemons need root" 2
  SUDO=(sudo)
fi

# True when PID file $1 names a live process whose command is $2.
alive() {
  local pid
  [[ -r $1 ]] || return 1
  pid=$(<"$1") || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]
}

tail_logs() {
  local f
  for f in "$@"; do
    [[ -r $f ]] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 20 "$f" >&2
  done
}

# --- packages ----------------------------------------------------------------------------------
install_packages() {
  local pkgs=(slurmctld slurmd slurm-client munge)
  note "installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Without systemd the postinstall scripts cannot start the services; that is expected.
  if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}" >"${TMPDIR:-/tmp}/tessera-slurm-apt.log" 2>&1; then
    "${SUDO[@]}" apt-get update -q >>"${TMPDIR:-/tmp}/tessera-slurm-apt.log" 2>&1 || true
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"${TMPDIR:-/tmp}/tessera-slurm-apt.log" 2>&1 \
      || { tail -n 20 "${TMPDIR:-/tmp}/tessera-slurm-apt.log" >&2; die "apt-get install ${pkgs[*]} failed" 3; }
  fi
}
PATH=$PATH:/usr/sbin:/sbin
need_install=0
for cmd in slurmctld slurmd sinfo sbatch srun scontrol munged munge unmunge; do
  command -v "$cmd" >/dev/null 2>&1 || need_install=1
done
[[ $need_install -eq 0 ]] || install_packages

# --- directories and configuration ---------------------------------------------------------------
mkdir -p "$BASE/etc" "$BASE/state" "$BASE/spool" "$LOG" "$RUN"

write_conf() {
  local host node_line cpus real_cpus mem tmp
  host=$(hostname -s)
  # slurmd -C prints the real node line, e.g.
  # NodeName=h CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=23999
  node_line=$(slurmd -C | head -n 1)
  real_cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node_line")
  mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")
  [[ -n $real_cpus && -n $mem ]] || die "cannot read 'slurmd -C': $node_line"
  cpus=${TESSERA_SLURM_CPUS:-$((real_cpus > 4 ? real_cpus : 4))}
  [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "TESSERA_SLURM_CPUS must be a positive number, got '$cpus'" 2
  mem=$((mem * 95 / 100))   # leave room so the node is never drained for "Low RealMemory"
  if [[ $cpus -eq $real_cpus ]]; then
    node_line=$(sed "s/^NodeName=[^ ]*/NodeName=$host/; s/RealMemory=[0-9]*/RealMemory=$mem/" <<<"$node_line")
  else
    # Advertise a flat topology of $cpus cores; config_overrides makes slurmd report it as is.
    node_line="NodeName=$host CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem"
  fi
  tmp=$(mktemp "$BASE/etc/.slurm.conf.XXXXXX")
  cat >"$tmp" <<EOF
# Written by jobs/local/start-slurm.sh: a private single-node cluster. Regenerated at each fresh start.
ClusterName=tessera
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
# Step credential lifetime; it is also how long a requeued job waits before it may start again
# (default 120 s). 10 s is ample on one node and keeps requeue tests short.
AuthInfo=cred_expire=10
MailProg=/bin/true
CredType=cred/munge

StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups (containers, laptops without systemd): plain /proc process tracking, no binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SlurmdParameters=config_overrides
# Debian's Open MPI talks to srun only through PMIx (pmi2 and none fail in MPI_Init).
MpiDefault=pmix

SchedulerType=sched/backfill
# Start a batch job at submit time instead of up to 3 s later (batch_sched_delay default), and run
# the main loop every 2 s (default 60) so a requeued job restarts as soon as it is eligible.
SchedulerParameters=batch_sched_delay=0,sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DependencyParameters=kill_invalid_depend
# Reject at submit time a job that can never fit (instead of pending forever).
EnforcePartLimits=ALL
# Finished jobs leave squeue/scontrol after 5 s ('sacct -c' keeps them).
MinJobAge=5
JobRequeue=1
# Jobs get SIGTERM (and B: signals), then SIGKILL after KillWait seconds.
KillWait=10
ReturnToService=2
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60

# No slurmdbd: 'sacct -c' reads the job completion file.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG/jobcomp.txt
JobAcctGatherType=jobacct_gather/none

$node_line NodeAddr=127.0.0.1 State=UNKNOWN
# No OverSubscribe: jobs never share a CPU, as on a real cluster; use --overcommit for more tasks
# than CPUs within one job.
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE OverSubscribe=NO State=UP
EOF
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CONF"
}

write_env() {
  local tmp
  tmp=$(mktemp "$BASE/.env.sh.XXXXXX")
  {
    echo "# Source me: clients of the local Tessera Slurm (written by jobs/local/start-slurm.sh)."
    echo "export SLURM_CONF=$CONF"
    if [[ $(id -u) -eq 0 ]]; then
      echo "# local use only: mpirun inside an allocation, as root"
      echo "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
    fi
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$BASE/env.sh"
}

# --- munge -------------------------------------------------------------------------------------
start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0   # a munged is already serving (ours from an earlier start, or the system's)
  fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    note "creating /etc/munge/munge.key"
    "${SUDO[@]}" mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
      "${SUDO[@]}" mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      "${SUDO[@]}" dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    "${SUDO[@]}" chown munge:munge /etc/munge/munge.key
    "${SUDO[@]}" chmod 0400 /etc/munge/munge.key
  fi
  "${SUDO[@]}" install -d -o munge -g munge -m 0755 /run/munge
  "${SUDO[@]}" runuser -u munge -- /usr/sbin/munged
  local i
  for ((i = 0; i < 50; i++)); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      # Remember that we started it: stop-slurm.sh stops only what this script started.
      "${SUDO[@]}" cp /run/munge/munged.pid "$RUN/munged.pid"
      return 0
    fi
    sleep 0.1
  done
  tail_logs /var/log/munge/munged.log
  die "munged did not come up (munge -n | unmunge fails)"
}

# --- slurm daemons -----------------------------------------------------------------------------
start_daemon() {  # name
  local name=$1 i
  alive "$RUN/$name.pid" "$name" && return 0
  SLURM_CONF=$CONF "${SUDO[@]}" "$(command -v "$name")" -f "$CONF"
  for ((i = 0; i < 50; i++)); do
    alive "$RUN/$name.pid" "$name" && return 0
    sleep 0.1
  done
  tail_logs "$LOG/$name.log"
  die "$name did not start"
}

# Regenerate the configuration only when no daemon of ours is running on it.
if ! alive "$RUN/slurmctld.pid" slurmctld && ! alive "$RUN/slurmd.pid" slurmd; then
  write_conf
fi
write_env
start_munge
start_daemon slurmctld
export SLURM_CONF=$CONF
for ((i = 0; i < WAIT_S * 10; i++)); do
  scontrol ping >/dev/null 2>&1 && break
  sleep 0.1
done
scontrol ping >/dev/null 2>&1 || { tail_logs "$LOG/slurmctld.log"; die "slurmctld does not answer 'scontrol ping'"; }
start_daemon slurmd

# Ready when the node responds and is schedulable: idle, or busy with jobs from an earlier start.
state=""
for ((i = 0; i < WAIT_S * 10; i++)); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
  [[ $state =~ ^(idle|mix|alloc|comp)$ ]] && break
  sleep 0.1
done
if [[ ! $state =~ ^(idle|mix|alloc|comp)$ ]]; then
  tail_logs "$LOG/slurmctld.log" "$LOG/slurmd.log"
  die "node not ready after ${WAIT_S} s (sinfo state '${state:-none}'; see $LOG)"
fi
note "ready: node $(hostname -s) $state; run: source $BASE/env.sh"
