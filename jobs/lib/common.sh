# jobs/lib/common.sh: what every Tessera job script shares (sourced, not run).
#
# Placement for hybrid MPI+OpenMP runs, done right:
#   one rank per task, --cpus-per-task cores per rank, OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK,
#   OMP_PLACES=cores, OMP_PROC_BIND=close, srun --cpu-bind=cores -c $SLURM_CPUS_PER_TASK
#   (since Slurm 22.05 srun does not inherit --cpus-per-task: we pass it and export SRUN_CPUS_PER_TASK).
#
# Environment (all optional):
#   TESSERA_HOME      the Tessera checkout or install prefix        (default: $SLURM_SUBMIT_DIR)
#   TESSERA_BIN       directory holding tessera-* programs            (default: $TESSERA_HOME/build/default/bin,
#                                                                      then $TESSERA_HOME/bin, then PATH)
#   TESSERA_LAUNCHER  srun (default, srun --mpi=pmix) or mpirun       (mpirun inside the allocation)
#   TESSERA_OUT       output directory                                (default: $SLURM_SUBMIT_DIR/out)
#   TESSERA_NP        ranks when run outside Slurm with mpirun        (default: 2)
# shellcheck shell=bash

TESSERA_HOME=${TESSERA_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}
if [[ -z "${TESSERA_BIN:-}" ]]; then
  for d in "$TESSERA_HOME/build/default/bin" "$TESSERA_HOME/bin"; do
    if [[ -x "$d/tessera-affinity" ]]; then TESSERA_BIN=$d; break; fi
  done
fi
if [[ -z "${TESSERA_BIN:-}" ]]; then
  if command -v tessera-affinity >/dev/null 2>&1; then
    TESSERA_BIN=$(dirname "$(command -v tessera-affinity)")
  else
    echo "error: no tessera-* programs found: set TESSERA_BIN or TESSERA_HOME (build with make -f Makefile.hpc build)" >&2
    exit 2
  fi
fi
TESSERA_OUT=${TESSERA_OUT:-${SLURM_SUBMIT_DIR:-$PWD}/out}
mkdir -p "$TESSERA_OUT"

# Threads: one per core given to the task, pinned close to each other inside the rank's cores.
# Pinning threads is only right when the ranks themselves are bound: with unbound ranks every rank
# would pin its thread 0 to core 0 (tessera-affinity flags exactly that). Ranks are bound by srun
# --cpu-bind=cores on a cluster that can bind, and by mpirun --bind-to core inside an allocation;
# a local run (no Slurm) leaves ranks unbound, and so does a Slurm without a binding plugin
# (TaskPlugin=task/none, e.g. the local test Slurm). A user's own OMP_PLACES/OMP_PROC_BIND win.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}
_tessera_ranks_bound=1
if [[ -z "${SLURM_JOB_ID:-}" ]]; then
  _tessera_ranks_bound=0
elif [[ "${TESSERA_LAUNCHER:-srun}" == srun ]] && command -v scontrol >/dev/null 2>&1 &&
  scontrol show config 2>/dev/null | grep -Eq '^TaskPlugin +=.*task/none'; then
  echo "note: this Slurm does not bind tasks to CPUs (TaskPlugin=task/none): OpenMP threads left unpinned" >&2
  _tessera_ranks_bound=0
fi
if [[ $_tessera_ranks_bound == 1 ]]; then
  export OMP_PLACES=${OMP_PLACES:-cores}
  export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
else
  export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
  [[ -n "${OMP_PLACES:-}" ]] || export OMP_PLACES=threads  # harmless while OMP_PROC_BIND=false
fi
if [[ -n "${SLURM_CPUS_PER_TASK:-}" ]]; then
  export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
fi

# tessera_launch PROGRAM ARGS... : start PROGRAM (tessera-<name>) on every task of the job.
tessera_launch() {
  local prog=$1
  shift
  local exe=$TESSERA_BIN/$prog
  local cpt=${SLURM_CPUS_PER_TASK:-1}
  if [[ -n "${SLURM_JOB_ID:-}" && "${TESSERA_LAUNCHER:-srun}" == srun ]]; then
    srun --mpi=pmix --cpu-bind=cores -c "$cpt" "$exe" "$@"
  elif [[ -n "${SLURM_JOB_ID:-}" ]]; then
    # Open MPI's mpirun reads the allocation; bind each rank to its cores.
    mpirun -np "${SLURM_NTASKS:-1}" --map-by "slot:PE=$cpt" --bind-to core \
      -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND "$exe" "$@"
  else
    # outside Slurm: a local run (-q: no Open MPI notes on top of the program's own messages)
    mpirun -q -np "${TESSERA_NP:-2}" --oversubscribe --bind-to none \
      -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND "$exe" "$@"
  fi
}

# tessera_signal_app PID [STARTED] : pass SIGUSR1 to the ranks of a step started in the background
# with tessera_launch. srun aborts the whole step when it is signalled itself, so under srun the
# signal goes to the job's steps through Slurm (scancel without --batch leaves this shell alone);
# mpirun forwards SIGUSR1 to its ranks. STARTED is $SECONDS when the step was launched: a signal
# that comes in the first TESSERA_SIGNAL_GRACE seconds (default 5) is held until then, because a
# rank still loading, before it has installed its handler, would be killed by it instead of
# checkpointing (seen: Slurm's timed signal arriving as a requeued job starts).
tessera_signal_app() {
  if [[ -n "${2:-}" ]]; then
    local hold=$(( ${TESSERA_SIGNAL_GRACE:-5} - (SECONDS - $2) ))
    if (( hold > 0 )); then
      echo "holding the signal ${hold} s until the ranks are up"
      sleep "$hold"
    fi
  fi
  if [[ -n "${SLURM_JOB_ID:-}" && "${TESSERA_LAUNCHER:-srun}" == srun ]]; then
    scancel --signal=USR1 "$SLURM_JOB_ID"
  else
    kill -USR1 "$1" 2>/dev/null
  fi
}

tessera_banner() {
  local launcher where
  if [[ -n "${SLURM_JOB_ID:-}" ]]; then
    launcher=${TESSERA_LAUNCHER:-srun}
    [[ $launcher == srun ]] && launcher="srun --mpi=pmix"
    [[ $launcher == mpirun ]] && launcher="mpirun inside the allocation"
    where="${SLURM_JOB_NUM_NODES:-1} node(s) ${SLURM_JOB_NODELIST:-}"
  else
    launcher="mpirun, no Slurm"
    where="this machine ($(hostname -s 2>/dev/null || echo localhost))"
  fi
  echo "tessera job ${SLURM_JOB_ID:-local}: $1 on ${SLURM_NTASKS:-${TESSERA_NP:-2}} ranks x $OMP_NUM_THREADS threads" \
       "on $where (launcher $launcher, programs in $TESSERA_BIN, outputs in $TESSERA_OUT)"
}
