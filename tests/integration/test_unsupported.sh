# Proves that the features of later versions are refused while planning, before
# anything runs: a task with `matrix`, a task whose input holds a wildcard
# (`data/{frame}.txt`), and `sandbox = true` each make --check and a run exit 2
# with a message that names the feature.
source "$(dirname "$0")/lib.sh"

# check_refused WORD: the file (with a harmless task `fine` beside the refused one)
# is an error for --check and for a run, the message names WORD, and `fine` did
# not run.
check_refused() {
  run_pipeline_split --check
  expect_rc 2
  expect_stderr_contains "$1"
  expect_stderr_matches '^Pipeline\.toml:[0-9]+:[0-9]+: error: '
  run_pipeline_split
  expect_rc 2
  expect_stderr_contains "$1"
  expect_no_file fine.txt
  run_pipeline_split fine
  expect_rc 2
  expect_no_file fine.txt
}

step "matrix"
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.tile]
matrix = { band = ["B01", "B02"] }
outputs = ["tiles/{band}.txt"]
cmd = "echo {band} > {output}"
TOML
check_refused matrix

step "a wildcard in an input"
mkdir -p data
touch data/0001.txt data/0002.txt
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.convert]
inputs = ["data/{frame}.txt"]
outputs = ["out/{frame}.dat"]
cmd = "cp {input} {output}"
TOML
check_refused frame

step "a glob in an input"
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.merge]
inputs = ["data/*.txt"]
outputs = ["merged.txt"]
cmd = "cat {inputs} > {output}"
TOML
check_refused "data/*.txt"

step "sandbox"
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.boxed]
sandbox = true
outputs = ["boxed.txt"]
cmd = "touch boxed.txt"
TOML
check_refused sandbox
expect_no_file boxed.txt
exit 0
