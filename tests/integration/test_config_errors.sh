# Proves that configuration errors are found by --check (and by a run) before
# anything runs, exit 2, and are reported on stderr as
# `Pipeline.toml:LINE:COL: error: ...` with the line and a caret, with a suggestion
# for near names: TOML syntax, unknown key, wrong type, undefined placeholder,
# dependency cycles (deps and files), duplicate outputs, unknown deps, cmd with cmds;
# also an unknown target, a missing Pipeline.toml, and the path given to -f.
source "$(dirname "$0")/lib.sh"

# expect_config_error LINE COL_REGEX: the last run exited 2 and stderr has an error
# located at Pipeline.toml:LINE:COL where COL matches COL_REGEX.
expect_config_error() {
  expect_rc 2
  expect_stderr_matches "^Pipeline\.toml:$1:($2): error: "
}

# expect_caret_under SOURCE_LINE WORD: stderr quotes SOURCE_LINE and the next line
# has a caret under the first character of WORD in it.
expect_caret_under() {
  awk -v src="$1" -v word="$2" '
    found { want = index(prev, word); ok = (substr($0, want, 1) == "^"); exit }
    index($0, src) { found = 1; prev = $0 }
    END { exit !ok }' <<<"$STDERR" ||
    fail "stderr does not quote [$1] with a caret under [$2]"
}

step "a valid file: --check exits 0, creates no state directory"
write_pipeline <<'TOML'
[vars]
greeting = "hello"

[tasks.make]
description = "Make a file"
inputs = ["in.txt"]
outputs = ["out.txt"]
cmd = "echo {greeting} > {output}"

[tasks.all]
deps = ["make"]
TOML
echo in >in.txt  # a missing input would be an error too (SPEC §3)
run_pipeline_split --check
expect_rc 0
expect_no_file out.txt
expect_no_file .pipeline

step "TOML syntax error"
write_pipeline <<'TOML'
[tasks.a]
description = "x"
cmd = = "true"
TOML
run_pipeline_split --check
expect_config_error 3 7

step "a syntax error also stops a run before anything runs"
write_pipeline <<'TOML'
[tasks.a]
outputs = ["a.txt"]
cmd = "touch a.txt"

[tasks.b]
cmd = "true
TOML
run_pipeline_split
expect_config_error 6 '[0-9]+'
expect_no_file a.txt

step "unknown task key, with a suggestion and a caret"
write_pipeline <<'TOML'
[tasks.copy]
outputs = ["b.txt"]
inptus = ["a.txt"]
cmd = "cp a.txt b.txt"
TOML
run_pipeline_split --check
expect_config_error 3 1
expect_stderr_contains "inptus"
expect_stderr_contains "did you mean 'inputs'"
expect_caret_under 'inptus = ["a.txt"]' inptus

step "unknown key in [pipeline]"
write_pipeline <<'TOML'
[pipeline]
defualt = ["x"]

[tasks.x]
cmd = "true"
TOML
run_pipeline_split --check
expect_config_error 2 1
expect_stderr_contains "did you mean 'default'"

step "wrong type"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"
always = "yes"
TOML
run_pipeline_split --check
expect_config_error 3 '1|10'
expect_stderr_contains "always"

step "wrong type: deps must be an array"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"

[tasks.b]
deps = "a"
TOML
run_pipeline_split --check
expect_config_error 5 '1|8'

step "undefined placeholder, with the way to write literal braces"
write_pipeline <<'TOML'
[tasks.a]
outputs = ["a.txt"]
cmd = "echo {nope} > a.txt"
TOML
run_pipeline_split --check
expect_config_error 3 '7|13'
expect_stderr_contains "nope"
expect_stderr_contains "{{"

step "undefined placeholder in outputs"
write_pipeline <<'TOML'
[tasks.a]
outputs = ["out/{nope}.txt"]
cmd = "true"
TOML
run_pipeline_split --check
# {nope} in an output would be a wildcard: either an unsupported wildcard or an
# undefined name; both are errors located in the file.
expect_config_error 2 '[0-9]+'

step "a dependency cycle through deps is printed"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"
deps = ["b"]

[tasks.b]
cmd = "true"
deps = ["a"]
TOML
run_pipeline_split --check
expect_rc 2
expect_stderr_matches '^Pipeline\.toml:[0-9]+:[0-9]+: error: '
expect_stderr_contains "dependency cycle"
expect_stderr_matches 'a -> b -> a|b -> a -> b'

step "a dependency cycle through files"
write_pipeline <<'TOML'
[tasks.x]
inputs = ["y.txt"]
outputs = ["x.txt"]
cmd = "cp y.txt x.txt"

[tasks.y]
inputs = ["x.txt"]
outputs = ["y.txt"]
cmd = "cp x.txt y.txt"

[tasks.z]
outputs = ["z.txt"]
cmd = "touch z.txt"
TOML
run_pipeline_split --check
expect_rc 2
expect_stderr_contains "dependency cycle"
expect_stderr_matches 'x -> y -> x|y -> x -> y'

step "a cycle stops a run of an unrelated target before anything runs"
run_pipeline_split z
expect_rc 2
expect_no_file z.txt

step "a self-dependency is a cycle"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"
deps = ["a"]
TOML
run_pipeline_split --check
expect_rc 2
expect_stderr_contains "a -> a"

step "two tasks declaring the same output: both are named"
write_pipeline <<'TOML'
[tasks.first_writer]
outputs = ["same.txt"]
cmd = "echo 1 > same.txt"

[tasks.second_writer]
outputs = ["same.txt"]
cmd = "echo 2 > same.txt"
TOML
run_pipeline_split --check
expect_rc 2
expect_stderr_matches '^Pipeline\.toml:[0-9]+:[0-9]+: error: '
expect_stderr_contains "same.txt"
expect_stderr_contains "first_writer"
expect_stderr_contains "second_writer"

step "unknown task in deps, with a suggestion"
write_pipeline <<'TOML'
[tasks.build]
cmd = "true"

[tasks.all]
deps = ["biuld"]
TOML
run_pipeline_split --check
expect_config_error 5 '[0-9]+'
expect_stderr_contains "biuld"
expect_stderr_contains "did you mean 'build'"

step "cmd and cmds together"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"
cmds = ["true", "true"]
TOML
run_pipeline_split --check
expect_config_error '[23]' '[0-9]+'

step "an unknown target on the command line, with a suggestion"
write_pipeline <<'TOML'
[tasks.build]
outputs = ["built.txt"]
cmd = "touch built.txt"

[tasks.test]
cmd = "true"
TOML
run_pipeline_split biuld
expect_rc 2
expect_stderr_contains "biuld"
expect_stderr_contains "build"
expect_no_file built.txt

step "an unknown path target is an error too"
run_pipeline_split out/nothing-makes-this.txt
expect_rc 2
expect_stderr_contains "out/nothing-makes-this.txt"

step "-f: errors name the file as given"
write_pipeline conf/other.toml <<'TOML'
[tasks.x]
cmd = "true"
inptus = []
TOML
run_pipeline_split -f conf/other.toml --check
expect_rc 2
expect_stderr_matches '^conf/other\.toml:3:1: error: '

step "-f with a file that does not exist"
run_pipeline_split -f conf/missing.toml
expect_rc 2
expect_stderr_contains "conf/missing.toml"

step "no Pipeline.toml here or in a parent directory"
mkdir -p empty
rm -f Pipeline.toml
cd empty
run_pipeline_split
expect_rc 2
expect_stderr_contains "Pipeline.toml"
cd ..

step "an unknown option is a usage error"
write_pipeline <<'TOML'
[tasks.a]
cmd = "true"
TOML
run_pipeline_split --no-such-option
expect_rc 2
exit 0
