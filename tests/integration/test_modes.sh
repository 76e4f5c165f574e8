# Proves the modes and console options: --list shows every task with its
# description; --graph prints the DAG in DOT with the dependency edges; --check,
# --list and --graph run nothing and create no state directory; task names such as
# `clean`, `list` and `check` are targets, not commands; --explain and -v add the
# reason and the command; -q and --output quiet hide a successful job's output;
# --color always/never.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.fetch]
description = "Fetch the raw data"
outputs = ["raw.txt"]
cmd = "echo raw-data-c0ffee > {output}"

[tasks.cook]
description = "Cook the raw data"
inputs = ["raw.txt"]
outputs = ["cooked.txt"]
cmd = "tr a-z A-Z < {input} > {output}"

[tasks.serve]
deps = ["cook"]
cmd = "echo served"

[tasks.clean]
description = "Remove what was made"
cmd = "rm -f raw.txt cooked.txt; echo cleaned > cleaned.txt"

[tasks.list]
description = "A task called list"
cmd = "echo listed > listed.txt"

[tasks.check]
cmd = "echo checked > checked.txt"
TOML

step "--list: one line per task, with its description"
run_pipeline_split --list
expect_rc 0
for pair in "fetch:Fetch the raw data" "cook:Cook the raw data" "clean:Remove what was made" "list:A task called list"; do
  name=${pair%%:*} desc=${pair#*:}
  grep -E "(^|[^a-z])$name([^a-z]|$)" <<<"$STDOUT" | grep -qF "$desc" ||
    fail "--list has no line with $name and '$desc'"
done
grep -qE '(^|[^a-z])serve([^a-z]|$)' <<<"$STDOUT" || fail "--list lacks serve"
expect_no_file raw.txt
expect_no_file listed.txt
expect_no_file .pipeline

step "--graph: DOT with an edge from each dependency to its dependent"
run_pipeline_split --graph
expect_rc 0
[[ $(sed -n '/[^[:space:]]/{p;q}' <<<"$STDOUT") == digraph* ]] || fail "--graph does not start with digraph"
grep -qF '"fetch" -> "cook";' <<<"$STDOUT" || fail "--graph lacks the file edge \"fetch\" -> \"cook\";"
grep -qF '"cook" -> "serve";' <<<"$STDOUT" || fail "--graph lacks the deps edge \"cook\" -> \"serve\";"
grep -qF '"serve" -> "cook";' <<<"$STDOUT" && fail "--graph has an edge backwards"
[[ $(tail -n 1 <<<"$STDOUT") == *"}"* ]] || fail "--graph does not end with }"
expect_no_file raw.txt
expect_no_file .pipeline

step "--graph TARGET: only the selected jobs"
run_pipeline_split --graph cook
expect_rc 0
grep -qF '"fetch" -> "cook";' <<<"$STDOUT" || fail "--graph cook lacks \"fetch\" -> \"cook\";"
[[ $STDOUT != *'"serve"'* && $STDOUT != *'"clean"'* ]] || fail "--graph cook shows unselected jobs"

step "--check on a valid file: exit 0, nothing runs"
run_pipeline_split --check
expect_rc 0
expect_no_file raw.txt
expect_no_file checked.txt
expect_no_file .pipeline

step "a task named clean is a target"
touch raw.txt
run_pipeline clean
expect_rc 0
expect_ran clean
expect_file cleaned.txt
expect_no_file raw.txt

step "tasks named list and check are targets"
run_pipeline list check
expect_rc 0
expect_ran list check
expect_file listed.txt
expect_file checked.txt

step "--explain prints the reason beside each job that runs"
run_pipeline --explain cook
expect_rc 0
expect_ran fetch cook
expect_output_contains "raw.txt"
expect_output_contains "cooked.txt"

step "-v shows the commands as run"
rm -f cooked.txt
run_pipeline -v cook
expect_rc 0
expect_ran cook
expect_output_contains "tr a-z A-Z"

step "a successful job's output is shown by default, hidden by --output quiet"
run_pipeline serve -B
expect_rc 0
expect_output_matches '^served$'
run_pipeline --output quiet -B serve
expect_rc 0
expect_output_lacks "served"

step "--output quiet still shows a failure"
write_pipeline broken.toml <<'TOML'
[tasks.oops]
cmd = "echo quiet-failure-77; exit 1"
TOML
run_pipeline -f broken.toml --output quiet
expect_rc 1
expect_output_contains "quiet-failure-77"

step "-q still runs and still reports a failure"
run_pipeline -f broken.toml -q
expect_rc 1
expect_output_contains "quiet-failure-77"

step "--color never and no terminal: no escape sequences; --color always: some"
run_pipeline -B serve
expect_rc 0
[[ $OUT != *$'\e['* ]] || fail "colours without a terminal"
run_pipeline --color never -B serve
expect_rc 0
[[ $OUT != *$'\e['* ]] || fail "colours with --color never"
run_pipeline --color always -B serve
expect_rc 0
[[ $OUT == *$'\e['* ]] || fail "no colours with --color always"
run_pipeline --color=always -B serve
expect_rc 0
[[ $OUT == *$'\e['* ]] || fail "no colours with --color=always"

exit 0
