# Proves that missing inputs are found before anything runs (SPEC §3): an input that
# does not exist and that no task writes is a planning error (exit 2) naming the job,
# the input and its place in the file, with a near name of a file that exists; no job
# runs, in a run, -n and --check alike. With -k the other jobs run, those jobs are
# `skipped (missing input)`, what depends on them does not start, and the exit code
# is 1. An input that a job writes is not missing. A `dir` that does not exist and
# that no task writes into is a planning error too.
source "$(dirname "$0")/lib.sh"

mkdir -p src
echo 'main' >src/main.c
echo 'other' >src/other.c
write_pipeline <<'TOML'
[tasks.cc-main]
inputs = ["src/mian.c"]
outputs = ["build/main.o"]
cmd = "cp {input} {output}"

[tasks.cc-other]
inputs = ["src/other.c"]
outputs = ["build/other.o"]
cmd = "cp {input} {output}"

[tasks.link]
inputs = ["build/main.o", "build/other.o"]
outputs = ["app"]
cmd = "cat {inputs} > {output}"
TOML

step "a run: exit 2, located error with a suggestion, nothing runs"
run_pipeline_split
expect_rc 2
expect_stderr_contains "Pipeline.toml:2:11: error: input 'src/mian.c' of cc-main does not exist and no task writes it"
expect_stderr_contains "hint: did you mean 'src/main.c'?"
expect_ran
expect_no_file build/other.o

step "-n and --check say the same, and write nothing"
run_pipeline_split -n
expect_rc 2
expect_stderr_contains "input 'src/mian.c' of cc-main does not exist"
run_pipeline_split --check
expect_rc 2
expect_stderr_contains "input 'src/mian.c' of cc-main does not exist"
expect_no_file build

step "a target that does not need the missing input runs"
run_pipeline build/other.o
expect_rc 0
expect_ran cc-other

step "-k: the others run, the job is skipped, its dependents do not start, exit 1"
rm -rf build
run_pipeline -k
expect_rc 1
expect_ran cc-other
expect_output_matches '^\[[0-9]+/3\] skipped cc-main \(missing input src/mian.c\)$'
expect_output_contains "1 skipped, 1 not started"
expect_output_contains "skipped cc-main: missing input src/mian.c"
expect_file build/other.o
expect_no_file app

step "-n -k lists the skipped job and what would run"
rm -rf build
run_pipeline -n -k
expect_rc 1
expect_output_contains "skipped cc-main (missing input src/mian.c)"
expect_output_contains "would run cc-other"
expect_output_lacks "would run link"

step "fixed: everything runs"
sed -i 's/mian/main/' Pipeline.toml
run_pipeline
expect_rc 0
expect_ran cc-main cc-other link

step "an input written by a job is never missing, even before that job ran"
rm -rf build app
run_pipeline -n
expect_rc 0
expect_output_contains "would run link"

step "a missing dir is a planning error; one made by a job is not"
cat >>Pipeline.toml <<'TOML'

[tasks.in-build]
dir = "build"
cmd = "true"

[tasks.in-nowhere]
dir = "nowhere"
cmd = "true"
TOML
run_pipeline_split
expect_rc 2
expect_stderr_contains "error: dir 'nowhere' of in-nowhere does not exist and no task writes into it"
expect_stderr_lacks_build() { [[ $STDERR != *"dir 'build'"* ]] || fail "build/ is made by a job"; }
expect_stderr_lacks_build
expect_ran
mkdir nowhere
run_pipeline
expect_rc 0
expect_ran cc-main cc-other link in-build in-nowhere

step "many missing inputs: ten are shown, the rest counted"
{
  for i in $(seq 1 12); do printf '[tasks.t%d]\ninputs = ["none/%d"]\ncmd = "true"\n' "$i" "$i"; done
} >Pipeline.toml
run_pipeline_split
expect_rc 2
[[ $(grep -c 'does not exist' <<<"$STDERR") -eq 10 ]] || fail "expected 10 errors"
expect_stderr_contains "pipeline: error: and 2 more missing inputs or dirs"
exit 0
