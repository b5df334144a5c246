# shellcheck shell=bash
# tests/slurm/lib.sh: the Slurm tests run on the emulated test cluster (tests/support/cluster.sh).
# shellcheck source=tests/support/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cluster.sh"
