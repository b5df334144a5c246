#!/usr/bin/env bash
# stop-slurm.sh: stop the private single-node Slurm that jobs/local/start-slurm.sh started.
#
# Cancels every job, waits for them to leave the node, then stops slurmd, slurmctld and munged,
# each only when its PID file under the base directory names a live process of that name (so a
# system munged, or a daemon this script did not start, is never touched). Idempotent: with
# nothing running it does nothing. State, logs and the job completion file are kept.
#
# Usage:
#   jobs/local/stop-slurm.sh
# Environment:
#   TESSERA_SLURM_BASE   base directory given to start-slurm.sh (default /tmp/tessera-slurm)
# Exit status: 0 stopped (or nothing to stop), 1 a daemon would not stop, 2 bad usage.
set -euo pipefail

readonly BASE=${TESSERA_SLURM_BASE:-/tmp/tessera-slurm}
readonly CONF=$BASE/etc/slurm.conf
readonly RUN=$BASE/run
PATH=$PATH:/usr/sbin:/sbin

die() { echo "stop-slurm: $*" >&2; exit "${2:-1}"; }
note() { echo "stop-slurm: $*"; }

if [[ $# -gt 0 ]]; then
  case $1 in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (no arguments are taken; see --help)" 2 ;;
  esac
fi

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)

# Prints the PID from PID file $1 when it names a live process whose command is $2.
live_pid() {
  local pid
  [[ -r $1 ]] || return 1
  pid=$(<"$1") || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  echo "$pid"
}

# Cancel the jobs while slurmctld and slurmd still run, so their steps are torn down cleanly.
if live_pid "$RUN/slurmctld.pid" slurmctld >/dev/null && [[ -r $CONF ]]; then
  export SLURM_CONF=$CONF
  mapfile -t jobs < <(squeue -h -o %i 2>/dev/null || true)
  if [[ ${#jobs[@]} -gt 0 ]]; then
    note "cancelling ${#jobs[@]} job(s): ${jobs[*]}"
    "${SUDO[@]}" scancel "${jobs[@]}" 2>/dev/null || true
    # Jobs get SIGTERM, then SIGKILL after KillWait (10 s); allow for that and the epilog.
    for ((i = 0; i < 300; i++)); do
      [[ -z $(squeue -h -t R,CG,S -o %i 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
fi

# Stop the daemons together (each takes about 2 s to shut down): SIGTERM, wait up to 10 s, SIGKILL.
names=(slurmd slurmctld munged)   # munged has a PID file here only when start-slurm.sh started it
declare -A pids=()
for name in "${names[@]}"; do
  if pid=$(live_pid "$RUN/$name.pid" "$name"); then
    pids[$name]=$pid
    "${SUDO[@]}" kill -TERM "$pid" 2>/dev/null || true
  else
    "${SUDO[@]}" rm -f "$RUN/$name.pid"
  fi
done
for ((i = 0; i < 100; i++)); do
  left=0
  for pid in "${pids[@]}"; do [[ -d /proc/$pid ]] && left=1; done
  [[ $left -eq 0 ]] && break
  sleep 0.1
done
status=0
for name in "${names[@]}"; do
  [[ -n ${pids[$name]:-} ]] || continue
  pid=${pids[$name]}
  if [[ -d /proc/$pid ]]; then
    note "$name ($pid) ignored SIGTERM for 10 s; sending SIGKILL"
    "${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
    if [[ -d /proc/$pid ]]; then
      echo "stop-slurm: $name ($pid) would not stop" >&2
      status=1
      continue
    fi
  fi
  "${SUDO[@]}" rm -f "$RUN/$name.pid"
  note "stopped $name ($pid)"
done
exit $status
