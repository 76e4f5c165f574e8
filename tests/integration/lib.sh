# Shared helpers of the integration tests; every tests/integration/test_*.sh sources
# this file first. It gives each test a fresh directory (kept when the test fails,
# removed when it passes), runs the real binary ($PIPELINE) without aborting on its
# exit code, and offers small expect_* checks that print the captured output when
# they fail.
#
# Conventions: a test writes its Pipeline.toml with `write_pipeline <<'EOF' ... EOF`,
# runs `run_pipeline ARGS...`, then checks $RC, $OUT and the files the jobs made.
# Time is controlled with `touch -d` (touch_future, set_mtime), never with sleeps.

set -euo pipefail
unset CDPATH NO_COLOR CLICOLOR_FORCE

: "${PIPELINE:?PIPELINE must name the pipeline binary to test}"
case $PIPELINE in
  /*) ;;
  *) PIPELINE=$PWD/$PIPELINE ;;
esac
if [[ ! -x $PIPELINE ]]; then
  echo "lib.sh: PIPELINE=$PIPELINE is not an executable" >&2
  exit 1
fi
PIPELINE_SOURCE_DIR=${PIPELINE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

TEST_NAME=$(basename "$0" .sh)
# TEST_TMP holds the test's work directory and the captured outputs of each run,
# which stay out of the tree that pipeline sees.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pipeline-${TEST_NAME}.XXXXXX")
TEST_DIR=$TEST_TMP/work
mkdir -p "$TEST_DIR"
cd "$TEST_DIR"

OUT=""         # stdout and stderr of the last run, interleaved as printed
STDOUT=""      # set by run_pipeline_split only
STDERR=""      # set by run_pipeline_split only
RC=0           # exit code of the last run
LAST_CMD=""    # the last run, as a readable command line
RUN_COUNT=0
STEP=""        # what the test is checking now, shown when a check fails

# The seconds a single run may take before it is killed (a hung run fails the test
# instead of hanging ctest).
RUN_TIMEOUT=${PIPELINE_TEST_RUN_TIMEOUT:-60}

_lib_on_exit() {
  local rc=$?
  if [[ $rc -eq 0 ]]; then
    cd /
    rm -rf "$TEST_TMP"
    echo "$TEST_NAME: ok"
  else
    echo "$TEST_NAME: FAILED (exit $rc); files kept in $TEST_TMP" >&2
  fi
}
trap _lib_on_exit EXIT

# step TEXT: announce what the following checks prove.
step() {
  STEP="$*"
  echo "--- $STEP"
}

# fail MESSAGE: print the message, the last run and its output, and end the test.
fail() {
  {
    echo "FAIL: $TEST_NAME${STEP:+ [$STEP]}: $*"
    if [[ -n $LAST_CMD ]]; then
      echo "last run (exit $RC): $LAST_CMD  (in $(pwd))"
      echo "----- output of the last run -----"
      printf '%s\n' "$OUT"
      echo "----- end of output -----"
    fi
  } >&2
  exit 1
}

_quote_cmd() {
  local s="pipeline" a
  for a in "$@"; do s+=" $(printf '%q' "$a")"; done
  printf '%s' "$s"
}

# run_pipeline ARGS...: run "$PIPELINE" ARGS with stdin from /dev/null; stdout and
# stderr (merged, in order) go to $OUT, the exit code to $RC. Never aborts the test.
run_pipeline() {
  RUN_COUNT=$((RUN_COUNT + 1))
  local file=$TEST_TMP/run-$RUN_COUNT.out
  LAST_CMD=$(_quote_cmd "$@")
  RC=0
  timeout -k 5 "$RUN_TIMEOUT" "$PIPELINE" "$@" >"$file" 2>&1 </dev/null || RC=$?
  OUT=$(cat "$file")
  STDOUT="" STDERR=""
  if [[ $RC -eq 124 ]]; then
    fail "the run did not end within ${RUN_TIMEOUT}s"
  fi
}

# run_pipeline_split ARGS...: like run_pipeline, but also keeps stdout in $STDOUT and
# stderr in $STDERR ($OUT is then stdout followed by stderr).
run_pipeline_split() {
  RUN_COUNT=$((RUN_COUNT + 1))
  local base=$TEST_TMP/run-$RUN_COUNT
  LAST_CMD=$(_quote_cmd "$@")
  RC=0
  timeout -k 5 "$RUN_TIMEOUT" "$PIPELINE" "$@" >"$base.stdout" 2>"$base.stderr" </dev/null || RC=$?
  STDOUT=$(cat "$base.stdout")
  STDERR=$(cat "$base.stderr")
  OUT=$STDOUT${STDOUT:+$'\n'}$STDERR
  if [[ $RC -eq 124 ]]; then
    fail "the run did not end within ${RUN_TIMEOUT}s"
  fi
}

# write_pipeline [FILE]: write stdin (a heredoc) to FILE (default Pipeline.toml),
# creating its directory.
write_pipeline() {
  write_file "${1:-Pipeline.toml}"
}

# write_file PATH: write stdin to PATH, creating its directory.
write_file() {
  mkdir -p "$(dirname "$1")"
  cat >"$1"
}

# touch_future PATH... : set the mtime of each PATH 60 s into the future (it must
# exist), so that it is newer than anything a run writes now.
touch_future() {
  local t=$(($(date +%s) + 60))
  touch -d "@$t" "$@"
}

# set_mtime EPOCH_SECONDS PATH...: set the mtime of each PATH.
set_mtime() {
  local t=$1
  shift
  touch -d "@$t" "$@"
}

# now: the current time in seconds with a fraction (for measuring durations).
now() { date +%s.%N; }

# seconds_since START: seconds elapsed since START (from `now`), e.g. 1.234.
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# is_less A B: true if the number A < B.
is_less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

expect_rc() {
  [[ $RC -eq $1 ]] || fail "expected exit code $1, got $RC"
}

expect_output_contains() {
  [[ $OUT == *"$1"* ]] || fail "the output lacks: $1"
}

expect_output_lacks() {
  [[ $OUT != *"$1"* ]] || fail "the output should not contain: $1"
}

# expect_output_matches ERE: some line of the output matches the extended regex.
expect_output_matches() {
  grep -Eq -- "$1" <<<"$OUT" || fail "no line of the output matches /$1/"
}

# expect_stderr_contains TEXT / expect_stderr_matches ERE (after run_pipeline_split).
expect_stderr_contains() {
  [[ $STDERR == *"$1"* ]] || fail "stderr lacks: $1"
}
expect_stderr_matches() {
  grep -Eq -- "$1" <<<"$STDERR" || fail "no line of stderr matches /$1/"
}

expect_file() {
  [[ -e $1 ]] || fail "expected file $1 to exist"
}

expect_no_file() {
  [[ ! -e $1 && ! -L $1 ]] || fail "expected no file $1"
}

# expect_file_content PATH TEXT: PATH holds exactly TEXT (a final newline aside).
expect_file_content() {
  expect_file "$1"
  local got
  got=$(cat "$1")
  [[ $got == "$2" ]] || fail "$1 holds [$got], expected [$2]"
}

# expect_file_contains PATH TEXT
expect_file_contains() {
  expect_file "$1"
  grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# ran_jobs: the ids of the jobs the last run reported as "[K/N] ok JOB (...)",
# sorted, one per line. failed_jobs: the same for "[K/N] FAILED JOB (...)".
ran_jobs() {
  sed -nE 's/^\[[0-9]+\/[0-9]+\] ok ([^ ]+) \(.*$/\1/p' <<<"$OUT" | LC_ALL=C sort
}
failed_jobs() {
  sed -nE 's/^\[[0-9]+\/[0-9]+\] FAILED ([^ ]+) \(.*$/\1/p' <<<"$OUT" | LC_ALL=C sort
}

_sorted_words() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | LC_ALL=C sort; }

# expect_ran JOB...: the last run reported exactly these jobs as ok (any order).
# With no argument: no job ran.
expect_ran() {
  local want got
  want=$(_sorted_words "$@")
  got=$(ran_jobs)
  [[ $got == "$want" ]] ||
    fail "expected the jobs that ran ok to be [$(echo $want)], got [$(echo $got)]"
}

# expect_failed JOB...: the last run reported exactly these jobs as FAILED.
expect_failed() {
  local want got
  want=$(_sorted_words "$@")
  got=$(failed_jobs)
  [[ $got == "$want" ]] ||
    fail "expected the failed jobs to be [$(echo $want)], got [$(echo $got)]"
}

# expect_nothing_to_do: the last run succeeded and ran nothing.
expect_nothing_to_do() {
  expect_rc 0
  expect_ran
  expect_output_matches '^pipeline: nothing to do'
}

# log_of JOB: the path of JOB's log in the most recent run's log directory
# (.pipeline/logs/RUN_ID/JOB.log), or nothing.
log_of() {
  local f
  f=$(ls -t .pipeline/logs/*/"$1".log 2>/dev/null | head -n 1) || true
  printf '%s' "$f"
}
