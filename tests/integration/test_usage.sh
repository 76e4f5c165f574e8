# Proves the small usage messages a make user meets first: a -j that is not a number
# of job slots is one line of our own (not CLI11's range of a double), and a
# Pipeline.toml that declares no task says so instead of silently doing nothing.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.hello]
outputs = ["hello.txt"]
cmd = "echo hello > {output}"
TOML

for bad in -1 abc 1x 2000000 ''; do
  step "-j '$bad' is refused in one line"
  run_pipeline_split -j "$bad"
  expect_rc 2
  [[ $(wc -l <<<"$STDERR") -eq 1 ]] || fail "expected one line on stderr, got: $STDERR"
  expect_stderr_contains "pipeline: error: -j takes a number of job slots from 0 (one per CPU)"
  expect_stderr_contains "not '$bad'"
  expect_no_file hello.txt
done

step "--jobs=-3 is refused the same way"
run_pipeline_split --jobs=-3
expect_rc 2
expect_stderr_contains "not '-3'"

step "-j 0 (one per CPU) and -j 3 are accepted"
run_pipeline -j 0
expect_rc 0
expect_ran hello
run_pipeline -j3 -B
expect_rc 0
expect_ran hello

step "an empty Pipeline.toml warns that it declares no task"
: >Pipeline.toml
run_pipeline_split
expect_rc 0
expect_stderr_contains "Pipeline.toml: warning: declares no task"

step "so does one with only [vars], in every mode"
printf '[vars]\nx = "1"\n' >Pipeline.toml
run_pipeline_split --check
expect_rc 0
expect_stderr_contains "warning: declares no task"

step "a file with a task does not warn"
printf '[tasks.a]\ncmd = "true"\n' >Pipeline.toml
run_pipeline_split
expect_rc 0
[[ -z $STDERR ]] || fail "unexpected stderr: $STDERR"
exit 0
