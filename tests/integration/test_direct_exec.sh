# Proves SPEC §4's shortcut for string commands: a line without shell syntax runs
# without /bin/sh (its parent is pipeline), one with shell syntax through it, and
# the user cannot tell otherwise — the same environment, output, exit status and
# "not found" message with the shortcut on and off (PIPELINE_DIRECT_EXEC=0), and
# switching it does not rerun a job (the signature is the shell command's).
source "$(dirname "$0")/lib.sh"

# shortcut on|off ARGS...: run_pipeline with PIPELINE_DIRECT_EXEC set for that run.
shortcut() {
  local value=1
  [[ $1 == off ]] && value=0
  shift
  export PIPELINE_DIRECT_EXEC=$value
  run_pipeline "$@"
  unset PIPELINE_DIRECT_EXEC
}

write_file tools/parent <<'SH'
#!/bin/sh
# The name of the process that started this one.
ps -o comm= -p "$PPID" > "$1"
SH
chmod +x tools/parent
mkdir -p sub
write_pipeline <<'TOML'
[tasks.simple]
outputs = ["out/simple.txt"]
cmd = "./tools/parent out/simple.txt"

[tasks.syntax]
outputs = ["out/syntax.txt"]
cmd = "./tools/parent out/syntax.txt && true"

[tasks.environment]
dir = "sub"
stdout = "out/env.txt"
always = true
cmd = "env"

[tasks.missing]
cmd = "no-such-program-pipeline-test --flag"

[tasks.status]
cmd = "ls /no/such/directory/pipeline-test"
TOML

step "a simple line runs without the shell, a line with syntax through it"
shortcut on -k simple syntax environment
expect_rc 0
expect_file_content out/simple.txt "pipeline"
expect_file_content out/syntax.txt "sh"
grep -v '^_=' out/env.txt | grep -v '^PIPELINE_DIRECT_EXEC=' | LC_ALL=C sort >env-direct.txt

step "switching the shortcut off reruns nothing: the signature is the shell line's"
shortcut off simple syntax
expect_nothing_to_do

step "with the shortcut off the same line runs through the shell"
rm out/simple.txt
shortcut off simple environment
expect_rc 0
expect_file_content out/simple.txt "sh"

step "the same environment either way, PWD included"
grep -v '^_=' out/env.txt | grep -v '^PIPELINE_DIRECT_EXEC=' | LC_ALL=C sort >env-shell.txt
diff env-direct.txt env-shell.txt || fail "the environments differ (< direct, > shell)"
grep -qx "PWD=$(pwd -P)/sub" env-direct.txt || fail "PWD is not the job's directory: $(grep ^PWD= env-direct.txt)"

step "a program that is not found: the shell's message and status, either way"
for mode in on off; do
  shortcut $mode -k missing status
  expect_rc 1
  expect_failed missing status
  expect_output_contains "failed missing: exit 127"
  expect_output_contains "/bin/sh: 1: no-such-program-pipeline-test: not found"
  expect_output_contains "failed status: exit 2"
done
