# Proves the planning errors of fan-out (SPEC §1.3): each exits 2 before anything
# runs, located as PATH:LINE:COL with the line and a caret, and names what is at
# fault or collides: a wildcard missing from an output, a wildcard in an output that
# no input defines, two jobs with the same output (both job ids), a regex that does
# not compile, a glob in an output, a var named like a matrix name, a dependency
# cycle between wildcard jobs. An input pattern that matches nothing is a warning
# (exit 0), printed once.
source "$(dirname "$0")/lib.sh"

mkdir -p in
touch in/a.txt in/b.txt

# expect_plan_error LINE TEXT...: --check and a run exit 2 with an error at LINE of
# Pipeline.toml whose message holds every TEXT, and the harmless task `fine` did
# not run.
expect_plan_error() {
  local line=$1 text
  shift
  for mode in --check run; do
    if [[ $mode == run ]]; then run_pipeline_split; else run_pipeline_split --check; fi
    expect_rc 2
    expect_stderr_matches "^Pipeline\.toml:$line:[0-9]+: error: "
    expect_stderr_matches '^ *\| *\^'
    for text in "$@"; do expect_stderr_contains "$text"; done
  done
  expect_no_file fine.txt
}

FINE='
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"'

step "a wildcard missing from an output"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt", "out/summary.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error 3 "'{name}'" "out/summary.txt"

step "a wildcard in an output that no input defines"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}/{day}.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error 3 "'{day}'" "out/{name}/{day}.txt"

step "two jobs with the same output name both"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "true"

[tasks.u]
outputs = ["out/b.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error '[0-9]+' "'t[name=b]'" "'u'" "out/b.txt"

step "two jobs of different wildcard tasks with the same output"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.x"]
cmd = "true"

[tasks.u]
matrix = { name = ["a", "z"] }
outputs = ["out/{name}.x"]
cmd = "true"
$FINE
TOML
expect_plan_error '[0-9]+' "'t[name=a]'" "'u[name=a]'" "out/a.x"

step "a regex that does not compile"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/{name:[a-}.txt"]
outputs = ["out/{name}.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error 2 "regex" "'[a-'" "'name'"
expect_stderr_matches '^Pipeline\.toml:2:15: error: '

step "a glob in an output"
write_pipeline <<TOML
[tasks.t]
inputs = ["in/a.txt"]
outputs = ["out/*.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error 3 "glob" "out/*.txt"

step "a var named like a matrix name, at the var"
write_pipeline <<TOML
[vars]
band = "B01"

[tasks.t]
matrix = { band = ["B01", "B02"] }
outputs = ["tiles/{band}.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error 2 "var 'band'" "task 't'"

step "a dependency cycle between wildcard jobs prints the cycle"
write_pipeline <<TOML
[tasks.there]
inputs = ["in/{name}.txt"]
outputs = ["mid/{name}.txt"]
cmd = "true"
deps = ["back"]

[tasks.back]
inputs = ["mid/{name}.txt"]
outputs = ["in2/{name}.txt"]
cmd = "true"
$FINE
TOML
expect_plan_error '[0-9]+' "dependency cycle: " "there[name=a]" "back[name=a]"

step "an input pattern that matches nothing is a warning, printed once"
write_pipeline <<TOML
[tasks.t]
inputs = ["raw/{frame}.bz2"]
outputs = ["work/{frame}.dat"]
cmd = "true"
$FINE
TOML
run_pipeline_split --check
expect_rc 0
expect_stderr_matches "^Pipeline\.toml:2:11: warning: .*raw/\{frame\}\.bz2"
[[ $(grep -c 'warning:' <<<"$STDERR") -eq 1 ]] || fail "expected one warning, got: $STDERR"
run_pipeline_split
expect_rc 0
expect_file fine.txt
exit 0
