#!/usr/bin/env bash
# tessera-taskfarm end to end: the built-in kernels verify and agree across schedules and rank
# counts; a command file with failing, missing and sleeping commands (some past the time limit)
# is recorded in /results/tasks (checked with h5dump); a run killed with SIGKILL mid-way resumes
# and runs only what had not finished; bad input gives exit 2, one line, and no output file.
source "$(dirname "$0")/lib.sh"
B=$BIN/tessera-taskfarm
export OMPI_MCA_orte_execute_quiet=1

# h5col FILE DATASET: the values of a 1D dataset, comma-separated on one line (no attributes).
h5col() {
  h5dump -A 0 -y -w 0 -d "$2" "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}
# jnum FILE KEY: a number from a --report JSON file.
jnum() { grep -oE "\"$2\": *-?[0-9.e+]+" "$1" | head -1 | sed 's/.*: *//'; }

# --- kernels ------------------------------------------------------------------------------------
expect_rc 0 "factorial 1..300 on 2 ranks" mpi 2 "$B" --kernel factorial --range 1:300 -o "$WORK/f.h5" --no-progress
expect_contains "^VERIFIED$" "factorial verified"
expect_file "$WORK/f.h5" "factorial output written"
ids=$(h5col "$WORK/f.h5" /results/tasks/id)
[[ $ids == "$(seq -s, 0 299)" ]] && ok "table holds ids 0..299 once, in order" || fail "ids: ${ids:0:80}..."
digits=$(h5col "$WORK/f.h5" /fields/factorial/digits | cut -d, -f1,10,300)
[[ $digits == "1,7,615" ]] && ok "1!, 10! and 300! have 1, 7 and 615 digits" || fail "digits: $digits"

for run in "1 static" "2 dynamic" "2 guided" "3 static"; do
  read -r np sched <<<"$run"
  expect_rc 0 "mandelbrot 160x90 on $np rank(s), $sched" mpi "$np" "$B" --kernel mandelbrot --width 160 --height 90 \
    --max-iter 200 --schedule "$sched" -o "$WORK/m-$np-$sched.h5" --report "$WORK/m-$np-$sched.json" --no-progress
  expect_contains "^VERIFIED$" "mandelbrot verified ($np, $sched)"
done
sums=$(for f in "$WORK"/m-*.json; do jnum "$f" mandelbrot_checksum; done | sort -u)
[[ $(wc -l <<<"$sums") -eq 1 && -n $sums ]] && ok "mandelbrot checksum identical across schedules and rank counts ($sums)" \
  || fail "checksums differ: $sums"
shape=$(h5dump -H -d /fields/mandelbrot "$WORK/m-2-dynamic.h5" | grep -o 'SIMPLE { ( [0-9, ]* )' | head -1)
[[ $shape == "SIMPLE { ( 90, 160 )" ]] && ok "image is 90 x 160 in /fields/mandelbrot" || fail "image shape: $shape"
img1=$(h5dump -y -w 0 -A 0 -d /fields/mandelbrot "$WORK/m-1-static.h5" | sed 1d | md5sum)
img2=$(h5dump -y -w 0 -A 0 -d /fields/mandelbrot "$WORK/m-2-dynamic.h5" | sed 1d | md5sum)
[[ $img1 == "$img2" ]] && ok "the assembled images are identical (1 rank static, 2 ranks dynamic)" || fail "images differ"

expect_rc 0 "mandelbrot off the real axis (no mirror rows): rows rechecked" mpi 2 "$B" --kernel mandelbrot \
  --width 96 --height 64 --center=-0.75,0.1 --span 0.5 --schedule guided --no-progress
expect_contains "^VERIFIED$" "off-axis window verified"
expect_contains "reference +[0-9]+ rows recomputed with std::complex" "off-axis rows recomputed on rank 0"

expect_rc 0 "primes 1..2000000 in blocks of 100000" mpi 2 "$B" --kernel primes --range 1:2000000 --block 100000 --no-progress
expect_contains "primes +148933 in" "pi(2000000) = 148933"
expect_rc 0 "noop x 500" mpi 2 "$B" --kernel noop --count 500 --schedule dynamic --report "$WORK/noop.json" --no-progress
[[ $(jnum "$WORK/noop.json" tasks_run) == 500 ]] && ok "noop ran 500 tasks" || fail "noop tasks_run"

# --- shell commands -----------------------------------------------------------------------------
cat >"$WORK/cmds.txt" <<'CMDS'
# comments and blank lines are skipped
echo "task $TESSERA_TASK_ID on rank $TESSERA_RANK"

false
exit 3
tessera_no_such_command_xyz
sleep 30
sleep 0.2; echo slept
echo to-stderr >&2
sleep 30 & wait
CMDS
expect_rc 1 "failing commands: exit 1" mpi 2 "$B" --commands "$WORK/cmds.txt" --task-timeout 0.5 \
  --log-dir "$WORK/logs" -o "$WORK/c.h5" --report "$WORK/c.json" --no-progress
expect_contains "^FAILED \(tasks: 5 of 8 tasks failed, 2 timed out" "the verdict counts failures and timeouts"
expect_file "$WORK/c.h5" "the results are written even when tasks fail"
st=$(h5col "$WORK/c.h5" /results/tasks/status)
[[ $st == "0,1,1,1,2,0,0,2" ]] && ok "status column: ok, failed x3, timeout, ok, ok, timeout" || fail "status: $st"
ec=$(h5col "$WORK/c.h5" /results/tasks/exit_code)
[[ $ec == "0,1,3,127,124,0,0,124" ]] && ok "exit codes, 127 for a missing command, 124 for a timeout" || fail "exit codes: $ec"
legend=$(h5dump -a /results/tasks/status/legend "$WORK/c.h5" | grep -o '"0=ok[^"]*"')
[[ $legend == '"0=ok,1=failed,2=timeout"' ]] && ok "status legend attribute" || fail "legend: $legend"
out=$(h5dump -y -w 0 -A 0 -d /results/tasks/output "$WORK/c.h5")
grep -q 'task 0 on rank [01]' <<<"$out" && ok "TESSERA_TASK_ID/TESSERA_RANK reach the command, output kept" || fail "output: $out"
grep -q 'tessera_no_such_command_xyz' <<<"$out" && ok "the missing command's message is in the table" || fail "no sh message"
grep -q 'to-stderr' "$WORK/logs/task6.err" && ok "stderr in --log-dir/task6.err" || fail "log file task6.err"
grep -q 'slept' "$WORK/logs/task5.out" && ok "stdout in --log-dir/task5.out" || fail "log file task5.out"
dur=$(h5col "$WORK/c.h5" /results/tasks/duration | cut -d, -f5)
awk -v d="$dur" 'BEGIN { exit !(d >= 0.45 && d < 5) }' && ok "the timed-out task ran ~0.5 s ($dur s)" || fail "duration $dur"
pgrep -f "sleep 30" >/dev/null && fail "a timed-out command survived" || ok "timed-out commands and their children are gone"
expect_rc 0 "--allow-failures: exit 0" mpi 2 "$B" --commands "$WORK/cmds.txt" --task-timeout 0.5 --allow-failures --no-progress
expect_contains "^VERIFIED$" "verified with --allow-failures"

# --- kill mid-way with SIGKILL, then resume --------------------------------------------------------
for i in $(seq 0 39); do echo "sleep 0.1; echo done $i"; done >"$WORK/slow.txt"
J=$WORK/slow.journal
setsid "$MPIEXEC" -np 2 "${MPI_FLAGS[@]}" "$B" --commands "$WORK/slow.txt" --journal "$J" --no-progress \
  >"$WORK/killed.log" 2>&1 &
leader=$!
for _ in $(seq 1 200); do
  n=$( (cat "$J".rank* 2>/dev/null || true) | wc -l)
  [[ $n -ge 12 ]] && break
  sleep 0.05
done
# What a scheduler does to a job: SIGKILL to every process of it at once (mpirun, the ranks, the
# commands they run: all in the session that setsid started; the ranks have process groups of
# their own, so the session is what holds them together).
session_pids() { ps -o pid= --sid "$leader" 2>/dev/null || true; }
# shellcheck disable=SC2046
kill -9 $(session_pids) 2>/dev/null || true
wait "$leader" 2>/dev/null || true
for _ in $(seq 1 100); do [[ -z $(session_pids) ]] && break; sleep 0.05; done
[[ -z $(session_pids) ]] && ok "the killed job is gone" || fail "processes of the killed job remain: $(session_pids)"
before=$(cat "$J".rank* | grep -c '"status":"ok"' || true)
[[ $before -ge 12 && $before -lt 40 ]] && ok "killed after $before of 40 tasks" || fail "killed run journaled $before tasks"
expect_rc 0 "resume after SIGKILL" mpi 2 "$B" --commands "$WORK/slow.txt" --resume "$J" -o "$WORK/r.h5" \
  --report "$WORK/r.json" --no-progress
expect_contains "^VERIFIED$" "resumed run verified"
resumed=$(jnum "$WORK/r.json" tasks_resumed)
run=$(jnum "$WORK/r.json" tasks_run)
[[ $resumed -eq $before && $((resumed + run)) -eq 40 ]] && ok "resume skipped the $before finished tasks, ran $run" \
  || fail "resumed=$resumed run=$run before=$before"
[[ $(h5col "$WORK/r.h5" /results/tasks/id) == "$(seq -s, 0 39)" ]] && ok "final table has all 40 tasks once" || fail "ids after resume"
rsum=$(h5col "$WORK/r.h5" /results/tasks/resumed | tr ',' '\n' | paste -sd+ | bc)
[[ $rsum -eq $resumed ]] && ok "the table marks $rsum rows as resumed" || fail "resumed column sums to $rsum"
lines=$(cat "$J".rank* | grep -c '"id"')
[[ $lines -eq 40 ]] && ok "the journal holds each task once after the resume" || fail "journal has $lines records"

# --- the Mandelbrot verdict can fail: a kernel that returns a constant --------------------------------
expect_rc 1 "mandelbrot, a constant kernel" mpi 2 "$B" --kernel mandelbrot --width 96 --height 64 --max-iter 50 \
  --test-broken-kernel --no-progress
expect_contains "^FAILED" "a constant kernel is FAILED"
expect_contains "cardioid|\|c\| > 2|independent reference" "the closed-form or reference check names it"
expect_rc 1 "mandelbrot off axis, a constant kernel" mpi 2 "$B" --kernel mandelbrot --width 96 --height 64 --max-iter 50 \
  --center=-0.1,0.9 --span 0.1 --test-broken-kernel --no-progress
expect_contains "independent reference" "off axis, no closed-form pixel in the window: the reference rows catch it"
expect_rc 0 "mandelbrot off axis, the real kernel" mpi 2 "$B" --kernel mandelbrot --width 96 --height 64 --max-iter 50 \
  --center=-0.75,0.3 --span 0.5 --no-progress
expect_contains "^VERIFIED$" "off axis VERIFIED"

# --- the commands verdict can fail: a journal record whose status contradicts its exit code -----------
printf 'true\ntrue\nexit 3\ntrue\n' >"$WORK/v.txt"
expect_rc 0 "commands with one failing" mpi 2 "$B" --commands "$WORK/v.txt" --allow-failures --journal "$WORK/v.journal" \
  --no-progress
expect_contains "^VERIFIED$" "a failing command is a failure, not a wrong verdict"
# a damaged journal claims task 2 succeeded although it exited 3: the resumed records must not verify
sed -i 's/"exit_code":3,\(.*\)"status":"failed"/"exit_code":3,\1"status":"ok"/; s/"status":"failed"\(.*\)"exit_code":3/"status":"ok"\1"exit_code":3/' "$WORK"/v.journal.rank*
grep -q '"status":"ok"' <<<"$(grep -h '"exit_code":3' "$WORK"/v.journal.rank*)" || fail "the journal was not damaged as meant"
expect_rc 1 "resume from a journal whose record contradicts itself" mpi 2 "$B" --commands "$WORK/v.txt" \
  --resume "$WORK/v.journal" --no-progress
expect_contains "^FAILED" "FAILED"
expect_contains "task 2: status ok with exit code 3" "the contradiction is named"

# --- bad input: exit 2, one line, no output file -------------------------------------------------
# bad NP DESC args...  (most at 1 rank: a failing launch costs mpirun a second; the checks that
# need agreement between ranks run at 2)
bad() {
  local np=$1 desc=$2
  shift 2
  rm -f "$WORK/bad.h5"
  expect_rc 2 "$desc" mpi "$np" "$B" "$@" --no-progress
  expect_no_file "$WORK/bad.h5" "$desc: no output file"
  [[ $(grep -c '^error (rank 0)' <<<"$OUT") -eq 1 ]] && ok "$desc: one line from rank 0" || fail "$desc: $OUT"
}
: >"$WORK/empty.txt"
bad 2 "missing command file" --commands "$WORK/none.txt" -o "$WORK/bad.h5"
bad 1 "empty command file" --commands "$WORK/empty.txt" -o "$WORK/bad.h5"
bad 1 "reversed range" --kernel factorial --range 20:10 -o "$WORK/bad.h5"
bad 1 "unknown kernel" --kernel fibonacci -o "$WORK/bad.h5"
bad 1 "mandelbrot larger than memory" --kernel mandelbrot --width 1000000 --height 1000000 -o "$WORK/bad.h5"
bad 1 "factorial larger than memory" --kernel factorial --range 1:100000000000000 -o "$WORK/bad.h5"
bad 2 "unwritable output" --kernel noop --count 10 -o /proc/no/such/dir/out.h5
bad 2 "resume from a journal that is not there" --commands "$WORK/slow.txt" --resume "$WORK/nothing" -o "$WORK/bad.h5"
printf 'a\t1\nb\t2\nc\n' >"$WORK/ragged.tsv"
printf 'a\t1\nb\t2\n' >"$WORK/params.tsv"
touch_cmd="touch $WORK/ran-{#}"
bad 2 "argument row of the wrong width" --template "$touch_cmd {1}" --args "$WORK/ragged.tsv" -o "$WORK/bad.h5"
grep -q "line 3: 1 column(s), expected 2" <<<"$OUT" && ok "the width error names the line and the widths" || fail "width error: $OUT"
bad 2 "template naming a column beyond the table" --template "$touch_cmd {7}" --args "$WORK/params.tsv" -o "$WORK/bad.h5"
bad 1 "unknown placeholder" --template "$touch_cmd {x}" --args "$WORK/params.tsv" -o "$WORK/bad.h5"
bad 2 "unreadable deadline" --template "$touch_cmd" --args "$WORK/params.tsv" --deadline tomorrow -o "$WORK/bad.h5"
bad 1 "negative retry count" --template "$touch_cmd" --args "$WORK/params.tsv" --retries -1 -o "$WORK/bad.h5"
compgen -G "$WORK/ran-*" >/dev/null && fail "a command ran although the input was bad" || ok "no command ran on bad input"

# --- template, retries and the task's identity ---------------------------------------------------
printf '%s\t%s\n' "x y" 1 "it's" 2 z 3 >"$WORK/args.tsv"
expect_rc 0 "template with retries" mpi 2 "$B" --template \
  'echo [{1}] "$TESSERA_TASK_ID/$TESSERA_TASK_ATTEMPT@$TESSERA_NODE:$TESSERA_TASK_CPUS"; test $TESSERA_TASK_ATTEMPT -ge {2}' \
  --args "$WORK/args.tsv" --retries 2 --retry-delay 0 -o "$WORK/tpl.h5" --no-progress
expect_contains "^VERIFIED$" "every task passed on its last attempt"
[[ $(h5col "$WORK/tpl.h5" /results/tasks/attempts) == "1,2,3" ]] && ok "attempts 1,2,3 recorded" || fail "attempts: $(h5col "$WORK/tpl.h5" /results/tasks/attempts)"
h5dump -d /results/tasks/output "$WORK/tpl.h5" >"$WORK/tpl.dump"
grep -q "\[x y\] 0/1@$(hostname)" "$WORK/tpl.dump" && grep -q "\[it's\] 1/2@" "$WORK/tpl.dump" && grep -q '\[z\] 2/3@' "$WORK/tpl.dump" \
  && ok "values quoted, task id, attempt and node in the environment" || { cat "$WORK/tpl.dump"; fail "template outputs"; }
expect_rc 1 "retries exhausted" mpi 1 "$B" --template 'exit {2}' --args "$WORK/args.tsv" --retries 1 --retry-delay 0 \
  -o "$WORK/tpl2.h5" --no-progress
expect_contains "FAILED \(3 of 3 tasks failed" "the failures are counted once per task"

# --- a command that crashes (SIGSEGV) or is OOM-killed (SIGKILL) is a failed record, not a crash --
printf 'echo before\nkill -SEGV $$\nkill -KILL $$\necho after\n' >"$WORK/crash.txt"
expect_rc 0 "crashing commands" mpi 2 "$B" --commands "$WORK/crash.txt" --allow-failures -o "$WORK/crash.h5" --no-progress
[[ $(h5col "$WORK/crash.h5" /results/tasks/exit_code) == "0,139,137,0" ]] && ok "segfault 139 and SIGKILL 137 recorded, the farm went on" \
  || fail "crash exit codes: $(h5col "$WORK/crash.h5" /results/tasks/exit_code)"
finish
