# Proves that the examples/compress example works: generate.sh makes a log tree, the
# one wildcard task over logs/{path:.+}.log gzips every log (faithfully) with one job
# per file, a second run does nothing, a changed log is compressed again alone, new
# logs are compressed alone, and a job id or an output path runs one job.
source "$(dirname "$0")/lib.sh"

cp "$PIPELINE_SOURCE_DIR/examples/compress/generate.sh" "$PIPELINE_SOURCE_DIR/examples/compress/Pipeline.toml" .
DAYS=2 HOSTS=3 LINES=400 sh ./generate.sh . >/dev/null
[[ $(find logs -name '*.log' | wc -l) -eq 6 ]] || fail "generate.sh did not make 6 logs"

step "generate.sh is deterministic and writes no tasks"
mkdir again
DAYS=2 HOSTS=3 LINES=400 sh ./generate.sh again >/dev/null
diff -r logs again/logs >/dev/null || fail "two runs of generate.sh made different logs"
expect_no_file again/Pipeline.toml
rm -rf again

step "one job per log compresses every log"
run_pipeline -j2
expect_rc 0
expect_ran 'gz[path=2026-11-01/host-a]' 'gz[path=2026-11-01/host-b]' 'gz[path=2026-11-01/host-c]' \
  'gz[path=2026-11-02/host-a]' 'gz[path=2026-11-02/host-b]' 'gz[path=2026-11-02/host-c]'
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
expect_ran 'gz[path=2026-11-02/host-b]'
gzip -dc compressed/2026-11-02/host-b.log.gz | tail -n 1 | grep -q "one more line" ||
  fail "the changed log was not compressed again"

step "new logs (a new day) are compressed alone"
DAYS=3 HOSTS=3 LINES=400 sh ./generate.sh . >/dev/null
run_pipeline -j2 -n
expect_rc 0
[[ $(grep -c '^would run gz\[path=2026-11-03/' <<<"$OUT") -eq 3 ]] || fail "-n should list the 3 new logs"
expect_output_lacks "would run gz[path=2026-11-01/"
run_pipeline -j2
expect_rc 0
expect_ran 'gz[path=2026-11-03/host-a]' 'gz[path=2026-11-03/host-b]' 'gz[path=2026-11-03/host-c]'

step "a deeper log is found too"
mkdir -p logs/archive/2026-10-31
echo "old line" >logs/archive/2026-10-31/host-z.log
run_pipeline -j2
expect_rc 0
expect_ran 'gz[path=archive/2026-10-31/host-z]'
expect_file compressed/archive/2026-10-31/host-z.log.gz

step "a job id and an output path run exactly one job"
rm compressed/2026-11-01/host-a.log.gz compressed/2026-11-01/host-b.log.gz
run_pipeline 'gz[path=2026-11-01/host-a]'
expect_rc 0
expect_ran 'gz[path=2026-11-01/host-a]'
expect_no_file compressed/2026-11-01/host-b.log.gz
run_pipeline compressed/2026-11-01/host-b.log.gz
expect_rc 0
expect_ran 'gz[path=2026-11-01/host-b]'
exit 0
