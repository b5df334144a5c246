#!/usr/bin/env bash
# Exactly one rank fails while the others are inside a collective operation (a collective HDF5
# write, a halo exchange, the non-blocking stop vote): its unwinding makes no collective call, so
# the job ends within the error grace period (3 s) plus start-up, with that rank's exit code;
# nothing is left under the output's name, and no temporary. The failure is a hook of the test
# binary tests/support/fault_probe.cpp, never an option of the programs.
source "$(dirname "$0")/lib.sh"
P=$BIN/fault_probe
for in in write halo vote; do
  for np in 2 3; do
    rank=$((np - 1))
    timed_rc 3 20 "rank $rank of $np fails in the $in" mpi $np "$P" --output "$WORK/out.h5" --in $in --rank $rank
    expect_contains "error \(rank $rank\): fault_probe: rank $rank fails" "the failing rank says why"
    expect_no_file "$WORK/out.h5" "$in np$np: nothing under the final name"
    no_temporaries "$WORK" "$in np$np"
  done
done
# the same probe with no failing rank writes the file (the hook is what fails, nothing else)
expect_rc 0 "no rank fails: the probe writes its file" mpi 2 "$P" --output "$WORK/out.h5" --in write --rank -1
expect_file "$WORK/out.h5" "the file is there"
finish
