#!/usr/bin/env bash
# cluster.bitwise: mapblocks, heat (2D and 3D) and matmul on 2 and 3 emulated nodes with 1 and 2
# ranks per node (TCP between nodes) write output data bitwise equal to a run of the same number of
# ranks on one node (shared memory). Only the data is compared (h5diff, exact), not attributes such
# as the host list.
# shellcheck source=tests/support/cluster.sh
source "$TESSERA_SOURCE_DIR/tests/support/cluster.sh"
cluster_up
cd "$WORK" || exit 3

declare -A ARGS=(
  [heat2d]="$BIN/tessera-heat --n 96 --steps 40 --norms-every 10"
  [heat3d]="$BIN/tessera-heat --dims 3 --n 20 --steps 16"
  [mapblocks]="$BIN/tessera-mapblocks --shape 300x211 --chunks 64x50 --init random:7 --op square --op add:1 --no-sync"
  [matmul]="$BIN/tessera-matmul --m 150 --n 131 --k 113 --panel 32 --reps 1 --warmup 0"
)
declare -A DSET=([heat2d]=/fields/u [heat3d]=/fields/u [mapblocks]=/fields/array [matmul]=/fields/C)

# hosts spec for N nodes x R ranks per node, and for P ranks on node1 alone
spec() { local n=$1 r=$2 k s=""; for ((k = 1; k <= n; k++)); do s+="${s:+,}node$k:$r"; done; echo "$s"; }

# the host specs really spread the ranks: N hosts, R ranks on each
for cfg in 2x1 2x2 3x1 3x2; do
  n=${cfg%x*} r=${cfg#*x}
  run_on "$(spec "$n" "$r")" $((n * r)) 30 "hosts-$cfg.out" hostname || fail "hostname on $cfg failed"
  # (only the hostname lines: Open MPI's rsh launcher may add a harmless setpgid warning, a race
  # between its parent and the agent it forked)
  got=$(grep -E '^node[0-9]+$' "hosts-$cfg.out" | sort | uniq -c | awk '{print $2 ":" $1}' | paste -sd, -)
  [[ $got == "$(spec "$n" "$r")" ]] || fail "$cfg: ranks ran on $got, expected $(spec "$n" "$r")"
done

checked=0
for prog in heat2d heat3d mapblocks matmul; do
  # shellcheck disable=SC2086
  read -r -a cmd <<<"${ARGS[$prog]}"
  for np in 2 3 4 6; do
    run_on "node1:$np" "$np" 120 "$prog-ref$np.out" "${cmd[@]}" -o "$prog-ref$np.h5" ||
      { cat "$prog-ref$np.out"; fail "$prog on node1 with $np ranks failed"; }
    grep -q '^VERIFIED' "$prog-ref$np.out" || { cat "$prog-ref$np.out"; fail "$prog on one node: not VERIFIED"; }
  done
  for cfg in 2x1 2x2 3x1 3x2; do
    n=${cfg%x*} r=${cfg#*x} np=$((n * r))
    out=$prog-$cfg
    run_on "$(spec "$n" "$r")" "$np" 120 "$out.out" "${cmd[@]}" -o "$out.h5" ||
      { cat "$out.out"; fail "$prog on $n nodes x $r ranks failed"; }
    grep -q '^VERIFIED' "$out.out" || { cat "$out.out"; fail "$prog on $n nodes x $r: not VERIFIED"; }
    h5diff "$prog-ref$np.h5" "$out.h5" "${DSET[$prog]}" "${DSET[$prog]}" >"$out.diff" 2>&1 ||
      { cat "$out.diff" | head -20; fail "$prog: $n nodes x $r ranks differs from $np ranks on one node"; }
    checked=$((checked + 1))
    echo "$prog $cfg: bitwise equal to one node ($np ranks)"
  done
done
[[ $checked -eq 16 ]] || fail "compared $checked runs, expected 16"
echo "cluster.bitwise: 16 multi-node runs bitwise equal to one-node runs"
