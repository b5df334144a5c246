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
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}
export OMP_PLACES=${OMP_PLACES:-cores}
export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
# Pinning threads is only right when the ranks themselves are bound: on a cluster whose srun cannot
# bind tasks (TaskPlugin=task/none, e.g. the local test Slurm), every rank would pin its thread 0 to
# core 0. There, with srun, leave the threads free (tessera-affinity shows the difference).
if [[ -n "${SLURM_JOB_ID:-}" && "${TESSERA_LAUNCHER:-srun}" == srun ]] && command -v scontrol >/dev/null 2>&1; then
  if scontrol show config 2>/dev/null | grep -Eq '^TaskPlugin +=.*task/none'; then
    echo "note: this Slurm does not bind tasks to CPUs (TaskPlugin=task/none): OpenMP threads left unpinned" >&2
    export OMP_PROC_BIND=false
    unset OMP_PLACES
  fi
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
    # outside Slurm: a local run
    mpirun -np "${TESSERA_NP:-2}" --oversubscribe --bind-to none \
      -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND "$exe" "$@"
  fi
}

# tessera_signal_app PID : pass SIGUSR1 to the ranks of a step started in the background with
# tessera_launch. srun aborts the whole step when it is signalled itself, so under srun the signal
# goes to the job's steps through Slurm (scancel without --batch leaves this shell alone); mpirun
# forwards SIGUSR1 to its ranks.
tessera_signal_app() {
  if [[ -n "${SLURM_JOB_ID:-}" && "${TESSERA_LAUNCHER:-srun}" == srun ]]; then
    scancel --signal=USR1 "$SLURM_JOB_ID"
  else
    kill -USR1 "$1" 2>/dev/null
  fi
}

tessera_banner() {
  echo "tessera job ${SLURM_JOB_ID:-local}: $1 on ${SLURM_NTASKS:-${TESSERA_NP:-2}} ranks x $OMP_NUM_THREADS threads" \
       "(launcher ${TESSERA_LAUNCHER:-srun}, programs in $TESSERA_BIN, outputs in $TESSERA_OUT)"
}
