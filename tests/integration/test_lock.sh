# Proves the run lock (SPEC §4): a second run in the same root fails at once naming
# the pid that holds the lock, or waits with --wait-lock; a killed run leaves no
# stale lock.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.hold]
cmd = "touch started; while [ ! -e release ]; do sleep 0.05; done"
[tasks.quick]
cmd = "true"
TOML

"$PIPELINE" hold >first.out 2>&1 &
first=$!
for _ in $(seq 200); do [[ -e started ]] && break; sleep 0.05; done
[[ -e started ]] || fail "the first run did not start its job"

step "a second run fails at once, naming the pid"
run_pipeline quick
expect_rc 2
expect_output_contains "another pipeline run (pid $first) holds .pipeline/lock"
expect_output_contains "--wait-lock"

step "read-only modes do not take the lock"
run_pipeline --why quick
expect_rc 0

step "--wait-lock waits for the first run, then runs"
"$PIPELINE" --wait-lock quick >second.out 2>&1 &
second=$!
for _ in $(seq 100); do grep -q "waiting for the run of pid $first" second.out && break; sleep 0.05; done
grep -q "waiting for the run of pid $first" second.out || fail "the second run did not say it waits: $(cat second.out)"
kill -0 $second 2>/dev/null || fail "the second run did not wait"
touch release
wait $first || fail "the first run failed"
wait $second || fail "the waiting run failed: $(cat second.out)"
grep -q "1 ran" second.out || fail "the waiting run did not run its job: $(cat second.out)"

step "a run killed with SIGKILL leaves no stale lock"
rm -f started release
"$PIPELINE" hold >third.out 2>&1 &
third=$!
for _ in $(seq 200); do [[ -e started ]] && break; sleep 0.05; done
kill -9 $third
wait $third 2>/dev/null || true
touch release
run_pipeline quick
expect_rc 0
