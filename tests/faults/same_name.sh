#!/usr/bin/env bash
# Two runs that write one output name at once (a job array with a fixed name): each writes its own
# unique temporary, so the file ends up whole from one of them, never a mix, and no temporary is
# left. One run writes ones, the other 0, 1, 2, ... (arange): the final file must hold exactly one of
# the two, by its minimum, maximum and sum.
source "$(dirname "$0")/lib.sh"
MB=$BIN/tessera-mapblocks
N=3000
for round in 1 2; do
  rm -f "$WORK/same.h5" "$WORK/same.xmf"
  mpi 2 "$MB" --shape ${N}x$N --chunks 500x500 --init ones --output "$WORK/same.h5" >"$WORK/a.log" 2>&1 &
  a=$!
  mpi 2 "$MB" --shape ${N}x$N --chunks 500x500 --init arange --output "$WORK/same.h5" >"$WORK/b.log" 2>&1 &
  b=$!
  set +e
  wait $a; ra=$?
  wait $b; rb=$?
  set -e
  for r in "ones:$ra:a" "arange:$rb:b"; do
    IFS=: read -r what rc log <<<"$r"
    if [[ $rc -eq 0 ]]; then
      grep -q VERIFIED "$WORK/$log.log" && ok "round $round: the $what run verified" || fail "round $round: $what exit 0 without VERIFIED"
    elif [[ $rc -eq 3 && $(grep -c "^error" "$WORK/$log.log") -ge 1 ]]; then
      ok "round $round: the $what run failed cleanly (exit 3)"
    else
      fail "round $round: the $what run: exit $rc"; tail -5 "$WORK/$log.log"
    fi
  done
  expect_file "$WORK/same.h5" "round $round: same.h5 exists"
  set +e
  OUT=$("$BIN/tessera-inspect" "$WORK/same.h5" --stats 2>&1)
  set -e
  line=$(grep -E "stats: min" <<<"$OUT" | head -1)
  # ones: min 1, max 1, mean 1, std 0; arange: min 0, max N*N-1, mean (N*N-1)/2. A mix of chunks
  # from both runs has another mean.
  if grep -qE "min 1 +max 1 +mean 1 +std 0 " <<<"$line"; then
    ok "round $round: same.h5 holds the ones run whole"
  elif grep -qE "min 0 +max $((N * N - 1)) +mean $(((N * N - 1) / 2)).5 " <<<"$line"; then
    ok "round $round: same.h5 holds the arange run whole"
  else
    fail "round $round: same.h5 is a mix or unreadable: $line"; tail -5 <<<"$OUT"
  fi
  no_temporaries "$WORK" "round $round"
done
finish
