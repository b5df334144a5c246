#!/usr/bin/env bash
# tessera-matmul's GPU backends (cuda: the own kernel, cublas) end to end on 2 ranks sharing the
# device(s): VERIFIED, the exact closed form of the structured input, and FAILED for a corrupted C.
# Without a CUDA device or a CUDA build this is skipped (exit 77), so it never passes untried.
source "$(dirname "$0")/lib.sh"
M=$BIN/tessera-matmul
gpu_present || { echo "SKIP: no CUDA device here (nvidia-smi lists none)"; exit 77; }
for be in cuda cublas; do
  rm -f "$WORK/g.h5"
  expect_rc 0 "--backend $be random" mpi 2 "$M" --backend "$be" --m 150 --n 130 --k 170 --gpu-aware off --panel 32 \
    --output "$WORK/g.h5" --reps 1
  expect_contains "^VERIFIED$" "--backend $be: VERIFIED"
  expect_file "$WORK/g.h5" "--backend $be: output written"
  expect_rc 0 "--backend $be structured float32, 1x2" mpi 2 "$M" --backend "$be" --dtype float32 --init structured \
    --m 257 --n 129 --k 300 --panel 64 --grid 1x2 --reps 1
  expect_contains "0 wrong entries" "--backend $be: exact closed form"
  expect_rc 1 "--backend $be: corrupted C" mpi 2 "$M" --backend "$be" --m 100 --n 90 --k 80 --corrupt-c --reps 1
done
finish
