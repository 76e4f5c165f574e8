# Proves that the examples/compress example works: generate.sh makes a log tree and
# a Pipeline.toml, a run gzips every log (faithfully), a second run does nothing,
# a changed log is compressed again alone, and new logs are compressed alone.
source "$(dirname "$0")/lib.sh"

cp "$PIPELINE_SOURCE_DIR/examples/compress/generate.sh" .
DAYS=2 HOSTS=3 LINES=400 sh ./generate.sh . >/dev/null
[[ $(find logs -name '*.log' | wc -l) -eq 6 ]] || fail "generate.sh did not make 6 logs"

step "generate.sh is deterministic"
mkdir again
DAYS=2 HOSTS=3 LINES=400 sh ./generate.sh again >/dev/null
diff -r logs again/logs >/dev/null || fail "two runs of generate.sh made different logs"
cmp -s Pipeline.toml again/Pipeline.toml || fail "two runs of generate.sh made different Pipeline.toml"
rm -rf again

step "the default target (all) compresses every log"
run_pipeline -j2
expect_rc 0
[[ $(ran_jobs | grep -c '^gz-') -eq 6 ]] || fail "expected 6 gz jobs to run"
for log in logs/*/*.log; do
  gz=compressed/${log#logs/}.gz
  expect_file "$gz"
  gzip -dc "$gz" | cmp -s - "$log" || fail "$gz does not decompress to $log"
done

step "a second run does nothing"
run_pipeline -j2
expect_nothing_to_do

step "a changed log is compressed again, alone"
echo "2026-11-02T23:59:59.999Z host-b app[2002]: INFO one more line" >>logs/2026-11-02/host-b.log
touch_future logs/2026-11-02/host-b.log
run_pipeline -j2
expect_rc 0
[[ $(ran_jobs | grep '^gz-') == gz-2026-11-02-host-b ]] ||
  fail "expected only gz-2026-11-02-host-b to run, got: $(ran_jobs | tr '\n' ' ')"
gzip -dc compressed/2026-11-02/host-b.log.gz | tail -n 1 | grep -q "one more line" ||
  fail "the changed log was not compressed again"

step "new logs (a new day) are compressed alone"
DAYS=3 HOSTS=3 LINES=400 sh ./generate.sh . >/dev/null
run_pipeline -j2 -n
expect_rc 0
[[ $(grep -c '^would run gz-2026-11-03-' <<<"$OUT") -eq 3 ]] || fail "-n should list the 3 new logs"
expect_output_lacks "would run gz-2026-11-01-"
run_pipeline -j2
expect_rc 0
[[ $(ran_jobs | grep -c '^gz-2026-11-03-') -eq 3 ]] || fail "the 3 new logs were not compressed"
[[ $(ran_jobs | grep -c '^gz-2026-11-01-') -eq 0 ]] || fail "old logs were compressed again"
exit 0
