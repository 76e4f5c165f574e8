# Proves crash safety (SPEC §3, §5): a job writes its output slowly; pipeline and
# the job's process group are killed with SIGKILL at 20 random moments; after each
# crash, the job may count as up to date only if its output is complete and its
# run was recorded — otherwise the next run must redo it.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.slow]
inputs = ["in.txt"]
outputs = ["out.txt"]
# the pid file lets the test kill the job's process group; the output is written
# line by line and ends with the input's content
cmd = "echo $$ > job.pid; for i in 1 2 3 4 5 6 7 8; do echo line$i; sleep 0.02; done > {output}; cat {input} >> {output}"
TOML

complete() { [[ $(wc -l <out.txt 2>/dev/null) == 9 ]] && [[ $(tail -n 1 out.txt) == "$(cat in.txt)" ]]; }

wrongly_up_to_date=0
for round in $(seq 1 20); do
  echo "content $round" >in.txt
  rm -f job.pid
  "$PIPELINE" -q >/dev/null 2>&1 &
  pid=$!
  # a moment between 0 and ~0.25 s: before, during and after the job
  sleep "0.$(printf '%02d' $((RANDOM % 25)))"
  kill -9 $pid 2>/dev/null || true
  [[ -s job.pid ]] && kill -9 -- -"$(cat job.pid)" 2>/dev/null || true
  # A job killed before it wrote job.pid would live on (a SIGKILLed pipeline, like a
  # SIGKILLed make, cannot take its jobs with it) and write out.txt beside the next
  # run's job: kill it by its command line, and wait until it is gone.
  pkill -9 -f 'echo [$][$] > job.pid' 2>/dev/null || true
  while pgrep -f 'echo [$][$] > job.pid' >/dev/null; do sleep 0.01; done
  wait $pid 2>/dev/null || true

  run_pipeline --why slow
  why=$OUT
  if grep -q "^slow: up to date" <<<"$OUT" && ! complete; then
    echo "round $round: slow is up to date but out.txt is incomplete:"
    cat out.txt
    wrongly_up_to_date=$((wrongly_up_to_date + 1))
  fi
  run_pipeline -q
  expect_rc 0
  complete || fail "round $round: the run after the crash did not complete out.txt (--why said: $why; the run said: $OUT; out.txt: $(cat out.txt 2>&1 | tr '\n' ' '))"
done
[[ $wrongly_up_to_date == 0 ]] || fail "$wrongly_up_to_date crashes left a job wrongly up to date"
