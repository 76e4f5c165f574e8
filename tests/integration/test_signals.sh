# Proves that an interrupted run stops its jobs: SIGINT to pipeline while two jobs
# sleep makes it exit 130, SIGTERM makes it exit 143, and in both cases no job
# process outlives pipeline.
source "$(dirname "$0")/lib.sh"

# A sleep length unique to this test run, so that pgrep finds our jobs only.
marker="1000.$$$RANDOM"
marker=${marker:0:14}
pattern="^sleep ${marker//./\\.}\$"

write_pipeline <<TOML
[tasks.nap1]
cmd = ["sleep", "$marker"]

[tasks.nap2]
cmd = "sleep $marker; echo NEVER-PRINTED-4d2"
TOML

PIPELINE_PID=""
cleanup_sleeps() {
  local pid
  for pid in $(pgrep -f "$pattern" || true); do kill "$pid" 2>/dev/null || true; done
  if [[ -n $PIPELINE_PID ]]; then kill -KILL "$PIPELINE_PID" 2>/dev/null || true; fi
}
trap 'rc=$?; cleanup_sleeps; (exit $rc); _lib_on_exit' EXIT

# interrupt SIGNAL EXPECTED_RC
interrupt() {
  local sig=$1 want=$2 i n rc=0
  # With job control on, the background run gets its own process group and the
  # default SIGINT disposition (a non-interactive shell would ignore it otherwise).
  set -m
  "$PIPELINE" -j2 >"$TEST_TMP/$sig.out" 2>&1 </dev/null &
  PIPELINE_PID=$!
  set +m
  for ((i = 0; i < 100; i++)); do
    n=$(pgrep -fc "$pattern" || true)
    [[ $n -eq 2 ]] && break
    sleep 0.1
  done
  OUT=$(cat "$TEST_TMP/$sig.out")
  [[ $n -eq 2 ]] || fail "the two sleep jobs did not start within 10 s (found $n)"
  kill "-$sig" "$PIPELINE_PID"
  for ((i = 0; i < 150; i++)); do
    kill -0 "$PIPELINE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PIPELINE_PID" 2>/dev/null; then
    OUT=$(cat "$TEST_TMP/$sig.out")
    fail "pipeline did not end within 15 s of SIG$sig"
  fi
  wait "$PIPELINE_PID" || rc=$?
  PIPELINE_PID=""
  OUT=$(cat "$TEST_TMP/$sig.out")
  RC=$rc
  LAST_CMD="pipeline -j2 (then SIG$sig)"
  expect_rc "$want"
  n=$(pgrep -fc "$pattern" || true)
  [[ $n -eq 0 ]] || fail "$n job process(es) outlived pipeline after SIG$sig"
  expect_output_lacks "NEVER-PRINTED-4d2"
}

step "SIGINT: exit 130, every job killed"
interrupt INT 130

step "SIGTERM: exit 143, every job killed"
interrupt TERM 143
exit 0
