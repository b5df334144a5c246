#!/usr/bin/env bash
# cluster.heat_restart: tessera-heat checkpointed on 2 emulated nodes, restarted on 3 nodes and on
# 1 node (other rank counts, other process grids): the final field is bitwise equal to an
# uninterrupted run, in 2D and in 3D.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3

for dims in 2 3; do
  if [[ $dims -eq 2 ]]; then size=(--n 120); else size=(--dims 3 --n 22); fi
  heat=("$BIN/tessera-heat" "${size[@]}" --norms-every 5)
  run_on node1:2 2 120 ref$dims.out "${heat[@]}" --steps 60 -o ref$dims.h5 ||
    { cat ref$dims.out; fail "${dims}D: uninterrupted run failed"; }
  # first part on 2 nodes: a checkpoint at step 30, then stop there
  run_on node1:1,node2:1 2 120 part$dims.out "${heat[@]}" --steps 30 --checkpoint-every 30 \
    --checkpoint-dir ck$dims -o part$dims.h5 || { cat part$dims.out; fail "${dims}D: first part on 2 nodes failed"; }
  [[ -s ck$dims/heat-00000030.h5 ]] || { ls -la ck$dims; fail "${dims}D: no checkpoint heat-00000030.h5"; }
  # restart on 3 nodes (3 ranks) and on 1 node (3 ranks there: another grid again)
  run_on node1:1,node2:1,node3:1 3 120 r3n$dims.out "${heat[@]}" --steps 60 --restart ck$dims -o r3n$dims.h5 ||
    { cat r3n$dims.out; fail "${dims}D: restart on 3 nodes failed"; }
  run_on node2:4 4 120 r1n$dims.out "${heat[@]}" --steps 60 --restart ck$dims/heat-00000030.h5 -o r1n$dims.h5 ||
    { cat r1n$dims.out; fail "${dims}D: restart on 1 node failed"; }
  for r in r3n r1n; do
    grep -q '^VERIFIED' $r$dims.out || { cat $r$dims.out; fail "${dims}D: $r not VERIFIED"; }
    grep -qi 'restart' $r$dims.out || { cat $r$dims.out; fail "${dims}D: $r does not say it restarted"; }
    h5diff ref$dims.h5 $r$dims.h5 /fields/u /fields/u || fail "${dims}D: $r field differs from the uninterrupted run"
    echo "${dims}D $r: bitwise equal to the uninterrupted run"
  done
done
echo "cluster.heat_restart: checkpoint on 2 nodes, restart on 3 and 1, bitwise equal (2D and 3D)"
