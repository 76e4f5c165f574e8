# Proves how a job runs: `cmds` run in order and the first failure stops the job;
# `dir` sets the working directory; [env] and a task's `env` reach the command (the
# task's over [env]); `stdout`/`stderr` send a stream to a file whose directory is
# created first; outputs' directories are created before the job runs; the job's
# log under .pipeline/logs/RUN/JOB.log holds its output; grouped output of parallel
# jobs is never interleaved; a huge output shows only its last 64 KiB and the log
# path in the console while the log has all of it.
source "$(dirname "$0")/lib.sh"

mkdir -p sub/deeper
write_pipeline <<'TOML'
[env]
GLOBAL_X = "from-env-table"
SHARED = "global"

[tasks.sequence]
cmds = [
  "echo one > trace.txt",
  ["sh", "-c", "echo two >> trace.txt"],
  "exit 4",
  "echo three >> trace.txt",
]

[tasks.in_dir]
dir = "sub/deeper"
outputs = ["sub/deeper/here.txt"]
cmd = "pwd -P > here.txt"

[tasks.environment]
env = { TASK_Y = "from-task", SHARED = "task" }
outputs = ["env.txt"]
cmd = "echo \"$GLOBAL_X $TASK_Y $SHARED\" > {output}"

[tasks.environment_plain]
outputs = ["env-plain.txt"]
cmd = ["sh", "-c", "echo \"$GLOBAL_X ${TASK_Y:-unset} $SHARED\" > env-plain.txt"]

[tasks.to_stdout]
outputs = ["deep/er/stdout.txt"]
cmd = ["echo", "hello stdout"]
stdout = "{output}"

[tasks.to_stderr]
cmd = "echo on-stdout-5e1; echo on-stderr-5e1 >&2"
stderr = "errs/stderr.txt"

[tasks.mkdirs]
outputs = ["a/b/c/made.txt"]
cmd = "echo made > a/b/c/made.txt"

[tasks.logger]
cmd = "echo LOG-MARKER-91c; echo LOG-ERR-91c >&2"
TOML

step "cmds run in order; the first failure stops the job"
run_pipeline sequence
expect_rc 1
expect_failed sequence
expect_output_contains "exit 4"
expect_file_content trace.txt $'one\ntwo'

step "dir sets the working directory (relative to the root)"
run_pipeline in_dir
expect_rc 0
expect_file_content sub/deeper/here.txt "$(cd sub/deeper && pwd -P)"

step "[env] and env reach the command; env wins over [env]"
run_pipeline environment environment_plain
expect_rc 0
expect_file_content env.txt "from-env-table from-task task"
expect_file_content env-plain.txt "from-env-table unset global"

step "stdout = \"{output}\" writes the stream to the file, its directory made first"
run_pipeline to_stdout
expect_rc 0
expect_file_content deep/er/stdout.txt "hello stdout"

step "stderr to a file; stdout stays in the log"
run_pipeline to_stderr
expect_rc 0
expect_file_content errs/stderr.txt "on-stderr-5e1"
expect_output_lacks "on-stderr-5e1"
expect_file_contains "$(log_of to_stderr)" "on-stdout-5e1"

step "the directories of outputs are created before the job runs"
run_pipeline mkdirs
expect_rc 0
expect_file_content a/b/c/made.txt made

step "the log of a job holds its stdout and stderr; the console shows them"
run_pipeline logger
expect_rc 0
expect_output_contains "LOG-MARKER-91c"
expect_output_contains "LOG-ERR-91c"
log=$(log_of logger)
[[ -n $log ]] || fail "no log .pipeline/logs/*/logger.log"
expect_file_contains "$log" "LOG-MARKER-91c"
expect_file_contains "$log" "LOG-ERR-91c"

step "grouped output: two parallel jobs' outputs are never interleaved"
write_pipeline <<'TOML'
[tasks.talk_a]
cmd = "for i in $(seq 100); do echo AAAA-$i; done; sleep 0.3; for i in $(seq 101 200); do echo AAAA-$i; done"

[tasks.talk_b]
cmd = "for i in $(seq 100); do echo BBBB-$i; done; sleep 0.3; for i in $(seq 101 200); do echo BBBB-$i; done >&2"
TOML
run_pipeline -j2 --output grouped
expect_rc 0
expect_ran talk_a talk_b
for marker in AAAA BBBB; do
  # The marker's 200 lines are one block, in order, right after its job's status line.
  awk -v m="$marker" '
    index($0, m "-") == 1 { n++; if (first == 0) { first = NR; before = prev }
                            if ($0 != m "-" n) bad = 1; last = NR }
    { prev = $0 }
    END { exit !(n == 200 && last - first + 1 == 200 && !bad) }' <<<"$OUT" ||
    fail "the 200 lines of $marker are not one ordered block"
done
awk '/^AAAA-1$/ { exit !(prev ~ /^\[[0-9]+\/[0-9]+\] ok talk_a \(/) } { prev = $0 }' <<<"$OUT" ||
  fail "talk_a's output does not follow its status line"

step "a job printing 1 MB: the console shows its last 64 KiB and the log path"
write_pipeline <<'TOML'
[tasks.big]
cmd = "seq -f 'line %07g of the big output, padded to about fifty bytes' 1 20000"
TOML
run_pipeline
expect_rc 0
expect_ran big
log=$(log_of big)
[[ -n $log ]] || fail "no log .pipeline/logs/*/big.log"
expect_output_contains "$log"
expect_output_contains "line 0020000 of the big output"
expect_output_lacks "line 0000001 of the big output"
size=$(printf '%s' "$OUT" | wc -c)
((size <= 64 * 1024 + 4096)) || fail "the console got $size bytes of a 1 MB output"
((size >= 60 * 1024)) || fail "the console got only $size bytes of a 1 MB output"
[[ $(grep -c 'of the big output' "$log") -eq 20000 ]] || fail "the log $log does not hold all 20000 lines"
expect_file_contains "$log" "line 0000001 of the big output"
exit 0
