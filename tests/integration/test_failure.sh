# Proves how failures are reported and contained: a failing job makes the run exit 1
# and shows its output, exit status and log; a job that exits 0 without its declared
# output fails naming the file; without -k no new job starts after a failure; with
# -k every job that does not depend on the failure runs, its dependents do not; a
# command that does not exist fails with a message naming it; a job that failed
# after writing its output is redone by the next run (SPEC §3).
source "$(dirname "$0")/lib.sh"

step "a failing job: exit 1, its output, exit status and log path are shown"
write_pipeline <<'TOML'
[tasks.bad]
cmd = "echo before-the-fall-7f3a; echo to-stderr-7f3a >&2; exit 3"
TOML
run_pipeline
expect_rc 1
expect_failed bad
expect_output_contains "before-the-fall-7f3a"
expect_output_contains "to-stderr-7f3a"
expect_output_contains "exit 3"
expect_output_matches '^pipeline: .*1 failed'
expect_output_contains ".pipeline/logs/"
log=$(log_of bad)
[[ -n $log ]] || fail "no log .pipeline/logs/*/bad.log"
expect_file_contains "$log" "before-the-fall-7f3a"
expect_file_contains "$log" "to-stderr-7f3a"
# The failure is listed after the summary line: its id, its exit status, its log.
summary_and_after=$(sed -n '/^pipeline: /,$p' <<<"$OUT")
[[ $summary_and_after == *bad* && $summary_and_after == *"exit 3"* && $summary_and_after == *"$log"* ]] ||
  fail "the failure (bad, exit 3, $log) is not listed after the summary"

step "a job that exits 0 without creating its declared output fails naming it"
write_pipeline <<'TOML'
[tasks.lazy]
outputs = ["made/never-written.txt"]
cmd = "echo pretending"
TOML
run_pipeline
expect_rc 1
expect_failed lazy
expect_output_contains "made/never-written.txt"

step "a command that is not found fails with a message naming it"
write_pipeline <<'TOML'
[tasks.ghost]
cmd = ["no-such-tool-xyz", "--flag"]
TOML
run_pipeline
expect_rc 1
expect_failed ghost
expect_output_contains "no-such-tool-xyz"

step "same through the shell"
write_pipeline <<'TOML'
[tasks.ghost]
cmd = "no-such-tool-xyz --flag"
TOML
run_pipeline
expect_rc 1
expect_failed ghost
expect_output_contains "no-such-tool-xyz"

step "a job that failed after writing its output is redone by the next run"
write_pipeline <<'TOML'
[tasks.half]
inputs = ["in.txt"]
outputs = ["half.txt"]
cmd = "cat {input} > {output}; test -e fixed"

[tasks.next]
inputs = ["half.txt"]
outputs = ["next.txt"]
cmd = "cp {input} {output}"
TOML
echo data >in.txt
run_pipeline
expect_rc 1
expect_failed half
expect_no_file next.txt
run_pipeline
expect_rc 1
expect_failed half
touch fixed
run_pipeline
expect_rc 0
expect_ran half next
expect_file_content next.txt data

# bad fails at once while slow runs in the other slot; after is independent of
# bad but becomes ready only when slow ends, after the failure: it must not start,
# while slow, already running, finishes.
write_pipeline <<'TOML'
[tasks.bad]
cmd = "echo failing; exit 1"

[tasks.slow]
outputs = ["slow.txt"]
cmd = "sleep 1; echo done > {output}"

[tasks.after]
inputs = ["slow.txt"]
outputs = ["after.txt"]
cmd = "cp {input} {output}"

[tasks.needs_bad]
deps = ["bad"]
outputs = ["needs_bad.txt"]
cmd = "touch {output}"
TOML

step "without -k: after a failure no new job starts; running jobs finish"
run_pipeline -j2
expect_rc 1
expect_failed bad
expect_ran slow
expect_file slow.txt
expect_no_file after.txt
expect_no_file needs_bad.txt

step "with -k: every job that does not depend on the failure runs"
rm -f slow.txt
run_pipeline -j2 -k
expect_rc 1
expect_failed bad
expect_ran slow after
expect_file after.txt
expect_no_file needs_bad.txt
expect_output_matches '^pipeline: .*2 ran.*1 failed'

step "--keep-going is the long form of -k, also with -j1"
rm -f slow.txt after.txt
run_pipeline -j1 --keep-going
expect_rc 1
expect_failed bad
expect_ran slow after
expect_no_file needs_bad.txt

step "with -j1 and without -k no job starts after the failure"
rm -f slow.txt after.txt
run_pipeline -j1
expect_rc 1
expect_failed bad
# Whatever the order, the failure is the last job that ended, and needs_bad never ran.
last_status=$(grep -E '^\[[0-9]+/[0-9]+\] (ok|FAILED) ' <<<"$OUT" | tail -n 1)
[[ $last_status == *"FAILED bad "* ]] || fail "a job ended after the failure: $last_status"
expect_no_file needs_bad.txt
exit 0
