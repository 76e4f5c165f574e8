# Proves the supervision of SPEC §4: a timeout kills the job's whole process group
# (grandchildren too) and says "timed out"; retries run a failing command again and
# count; resources keep two big jobs apart while a small one overtakes; the longest
# remaining path starts first; a console job gets the terminal and runs alone.
source "$(dirname "$0")/lib.sh"
marker="sleep 1000.$$"

step "timeout: SIGTERM to the group, grandchild included; the run exits 1 saying so"
write_pipeline <<TOML
[pipeline]
kill_grace = "1s"
[tasks.hang]
cmd = "$marker & $marker"
timeout = "1s"
TOML
start=$(now)
run_pipeline
expect_rc 1
expect_output_contains "timed out after 1s"
is_less "$(seconds_since "$start")" 5 || fail "the timeout took too long"
for _ in $(seq 50); do pgrep -f "$marker" >/dev/null || break; sleep 0.1; done
! pgrep -f "$marker" >/dev/null || { pkill -f "$marker"; fail "a process of the timed-out job survived"; }

step "retries: fails twice, then succeeds with retries = 2"
write_pipeline <<'TOML'
[tasks.flaky]
cmd = "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo attempt $n; [ $n -ge 3 ]"
retries = 2
retry_delay = "10ms"
TOML
run_pipeline
expect_rc 0
expect_file_content count 3
expect_output_contains "after 3 attempts"
log=$(ls .pipeline/logs/*/flaky.log)
grep -q -- "--- attempt 3 of 3 ---" "$log" || fail "the log has no section per attempt"

step "retries: with retries = 1 the same command fails after two attempts"
rm -f count
sed -i 's/retries = 2/retries = 1/' Pipeline.toml
run_pipeline
expect_rc 1
expect_file_content count 2

step "resources: two mem_mb = 60 jobs under 100 never overlap; a small job overtakes"
write_pipeline <<'TOML'
[pipeline.resources]
mem_mb = 100
[tasks.big1]
cmd = "echo start $(date +%s%N) > big1.t; sleep 0.5; echo end $(date +%s%N) >> big1.t"
resources = { mem_mb = 60 }
[tasks.big2]
cmd = "echo start $(date +%s%N) > big2.t; sleep 0.5; echo end $(date +%s%N) >> big2.t"
resources = { mem_mb = 60 }
[tasks.small]
cmd = "echo start $(date +%s%N) > small.t"
TOML
run_pipeline -j3
expect_rc 0
t() { awk -v k="$2" '$1 == k { print $2 }' "$1.t"; }
if [[ $(t big1 start) -lt $(t big2 start) ]]; then first=big1 second=big2; else first=big2 second=big1; fi
[[ $(t $first end) -le $(t $second start) ]] || fail "the two big jobs overlapped"
[[ $(t small start) -lt $(t $second start) ]] || fail "the small job did not overtake the waiting big job"

step "a resource that is not declared, or more than exists, is a planning error"
write_pipeline <<'TOML'
[pipeline.resources]
mem_mb = 100
[tasks.a]
cmd = "true"
resources = { gpu = 1 }
TOML
run_pipeline --check
expect_rc 2
expect_output_contains "Pipeline.toml:5:"
expect_output_contains "'gpu'"
sed -i 's/gpu = 1/mem_mb = 101/' Pipeline.toml
run_pipeline
expect_rc 2
expect_output_contains "could never run"

step "the longest remaining path starts first"
write_pipeline <<'TOML'
[tasks.lone]
cmd = "echo lone >> order"
[tasks.c1]
outputs = ["c1"]
cmd = "echo c1 >> order; touch c1"
[tasks.c2]
inputs = ["c1"]
outputs = ["c2"]
cmd = "echo c2 >> order; touch c2"
[tasks.c3]
inputs = ["c2"]
outputs = ["c3"]
cmd = "echo c3 >> order; touch c3"
TOML
run_pipeline -j1
expect_rc 0
[[ $(head -n 1 order) == c1 ]] || fail "expected c1 (path of 3) before lone (path of 1), got: $(tr '\n' ' ' <order)"

step "threads: a job with more threads than slots runs alone"
write_pipeline <<'TOML'
[tasks.wide]
cmd = "echo start $(date +%s%N) > wide.t; sleep 0.3; echo end $(date +%s%N) >> wide.t"
threads = 8
[tasks.narrow]
cmd = "echo start $(date +%s%N) > narrow.t; sleep 0.3; echo end $(date +%s%N) >> narrow.t"
TOML
run_pipeline -j2
expect_rc 0
if [[ $(t wide start) -lt $(t narrow start) ]]; then
  [[ $(t wide end) -le $(t narrow start) ]] || fail "the wide job did not run alone"
else
  [[ $(t narrow end) -le $(t wide start) ]] || fail "the wide job did not run alone"
fi

step "console = true: the job gets the terminal, and runs alone"
write_pipeline <<'TOML'
[tasks.interactive]
console = true
cmd = "tty > tty.txt; echo start $(date +%s%N) > interactive.t; sleep 0.3; echo end $(date +%s%N) >> interactive.t"
[tasks.other]
cmd = "echo start $(date +%s%N) > other.t; sleep 0.3; echo end $(date +%s%N) >> other.t"
TOML
script -qec "$PIPELINE -j2" /dev/null >console.out 2>&1 </dev/null || fail "the run on a terminal failed: $(cat console.out)"
grep -q '^/dev/pts/' tty.txt || fail "the console job had no terminal: $(cat tty.txt)"
if [[ $(t interactive start) -lt $(t other start) ]]; then
  [[ $(t interactive end) -le $(t other start) ]] || fail "the console job did not run alone"
else
  [[ $(t other end) -le $(t interactive start) ]] || fail "the console job did not run alone"
fi
