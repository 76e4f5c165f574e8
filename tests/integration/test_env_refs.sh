# Proves `${NAME}` in env values (SPEC §1.1): `[env] PATH = "tools/bin:${PATH}"`
# extends pipeline's own PATH (a tool in tools/bin is found, and so is `cat`), an
# unset variable is empty, `$$` is a dollar and `$HOME` is passed as written; the
# signature holds the expanded value, so a change of the variable reruns the job and
# the same value does not; a malformed reference is a located error.
source "$(dirname "$0")/lib.sh"

write_file tools/bin/greet <<'EOF2'
#!/bin/sh
echo "greetings from tools"
EOF2
chmod +x tools/bin/greet

write_pipeline <<'TOML'
[env]
PATH = "tools/bin:${PATH}"

[tasks.env]
outputs = ["env.txt"]
env = { GREETING = "hello ${WHO}", PRICE = "$$5", LITERAL = "$HOME", EMPTY = "[${PIPELINE_TEST_UNSET}]" }
cmd = "greet > {output}; cat /dev/null; printf '%s|%s|%s|%s\\n' \"$GREETING\" \"$PRICE\" \"$LITERAL\" \"$EMPTY\" >> {output}"
TOML
unset PIPELINE_TEST_UNSET

step "PATH is extended, not replaced; \${WHO} comes from pipeline's environment"
WHO=world run_pipeline
expect_rc 0
expect_ran env
expect_file_content env.txt $'greetings from tools\nhello world|$5|$HOME|[]'

step "the same value: up to date"
WHO=world run_pipeline
expect_nothing_to_do

step "another value of the variable changes the signature: the job reruns"
WHO=there run_pipeline --explain
expect_rc 0
expect_ran env
expect_output_contains "command or settings changed"
expect_file_content env.txt $'greetings from tools\nhello there|$5|$HOME|[]'

step "a '\${' without its '}' is an error located at the dollar"
write_pipeline <<'TOML'
[tasks.t]
cmd = "true"
env = { P = "a:${PATH" }
TOML
run_pipeline_split
expect_rc 2
expect_stderr_contains "Pipeline.toml:3:16: error: '\${' without its closing '}'"
exit 0
