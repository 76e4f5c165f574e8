# Proves that the features of later versions are refused while planning, before
# anything runs: `sandbox = true`, `container` and `executor = "slurm"` each make
# --check and a run exit 2 with a located message that names the feature, and a
# harmless task beside them does not run. Matrices, wildcards and globs, refused by
# earlier versions, now plan (test_fanout*.sh prove what they do).
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

step "container"
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.boxed]
container = "debian:12"
outputs = ["boxed.txt"]
cmd = "touch boxed.txt"
TOML
check_refused container
expect_no_file boxed.txt

step "executor = slurm"
write_pipeline <<'TOML'
[tasks.fine]
outputs = ["fine.txt"]
cmd = "touch fine.txt"

[tasks.remote]
executor = "slurm"
outputs = ["remote.txt"]
cmd = "touch remote.txt"
TOML
check_refused slurm
expect_no_file remote.txt

step "matrix, wildcards and globs now plan"
mkdir -p data
touch data/0001.txt data/0002.txt
write_pipeline <<'TOML'
[tasks.tile]
matrix = { band = ["B01", "B02"] }
outputs = ["tiles/{band}.txt"]
cmd = "echo {band} > {output}"

[tasks.convert]
inputs = ["data/{frame}.txt"]
outputs = ["out/{frame}.dat"]
cmd = "cp {input} {output}"

[tasks.merge]
inputs = ["out/*.dat"]
outputs = ["merged.txt"]
cmd = "cat {inputs} > {output}"
TOML
run_pipeline --check
expect_rc 0
expect_output_contains "(3 tasks, 5 jobs)"
exit 0
