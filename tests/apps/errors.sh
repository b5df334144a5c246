#!/usr/bin/env bash
# The error policy every app inherits from Environment::run: one line per failing rank naming the
# rank, the failure's exit code, every rank gone, no hang, no MPI stack spew when all ranks fail.
source "$(dirname "$0")/lib.sh"
P=$BIN/error_probe
# mpirun adds its own boxed note whenever a process exits non-zero; `mpirun -q` (this variable)
# keeps it out, so what is left is exactly what Tessera printed.
export OMPI_MCA_orte_execute_quiet=1

expect_rc 0 "no failure" mpi 2 "$P" --fail-on none
expect_rc 2 "all ranks fail with usage error" mpi 2 "$P" --fail-on all --code 2
expect_contains "^error \(rank 0\): probe failure with code 2$" "rank 0 names itself"
expect_contains "^error \(rank 1\): probe failure with code 2$" "rank 1 names itself"
expect_not_contains "MPI_ABORT|MPI_Abort|Primary job|backtrace" "no MPI abort text when every rank fails"
[[ $(grep -c . <<<"$OUT") -eq 2 ]] && ok "exactly one line per rank, nothing else" || fail "expected 2 lines, got: $OUT"

expect_rc 3 "all ranks fail with I/O code" mpi 2 "$P" --fail-on all --code 3

# one rank fails while the other waits in a barrier: the job must end (abort) with the code
TESSERA_ERROR_GRACE=1 expect_rc 3 "a lone failing rank aborts the job" mpi 2 env TESSERA_ERROR_GRACE=1 "$P" --fail-on 1 --code 3
expect_contains "^error \(rank 1\): probe failure with code 3$" "the failing rank names itself"

expect_rc 2 "unknown option: exit 2 on every rank" mpi 2 "$P" --no-such-option
expect_contains "error \(rank 0\): .*--no-such-option" "rank 0 names the option"
expect_contains "error \(rank 1\): .*--no-such-option" "rank 1 names the option"
expect_rc 2 "malformed value" mpi 1 "$P" --code abc
expect_contains "--code" "the message names the option"
finish
