#!/usr/bin/env bash
# cluster.slurm_jobs: every jobs/*.sbatch (as tests/slurm/jobs.sh submits them) with --nodes=2 on
# the multi-node Slurm of the emulated cluster: 2 tasks per node over 2 nodes, TCP between them.
export TESSERA_TEST_SBATCH_ARGS="--nodes=2"
exec bash "$TESSERA_SOURCE_DIR/tests/slurm/jobs.sh"
