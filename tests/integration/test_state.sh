# Proves every rule of SPEC §3 with the state database, firing and not firing:
# unchanged tree, touched input, input replaced by an OLDER file, changed command,
# deleted output, output edited by hand, method = "hash", an upstream rewriting
# identical output, adoption of an existing tree, -B; and a damaged state.db being
# reported and rebuilt.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[vars]
suffix = "!"

[tasks.shout]
inputs = ["in.txt"]
outputs = ["out/shout.txt"]
cmd = "tr a-z A-Z < {input} | sed 's/$/{suffix}/' > {output}"

[tasks.count]
inputs = ["out/shout.txt"]
outputs = ["out/count.txt"]
cmd = "wc -c < {input} > {output}"

[tasks.other]
inputs = ["other.txt"]
outputs = ["out/other.txt"]
cmd = ["cp", "{input}", "{output}"]
TOML
echo hello >in.txt
echo other >other.txt

step "first run runs everything"
run_pipeline
expect_rc 0
expect_ran shout count other
expect_file_content out/shout.txt "HELLO!"

step "a second run does nothing"
run_pipeline
expect_nothing_to_do

step "touching an input (even to the same content) reruns that job and its dependents"
touch_future in.txt
run_pipeline --explain
expect_ran shout count
expect_output_contains "shout (0"
expect_output_contains "input in.txt changed since the last run"

step "an input replaced by an OLDER file reruns (make would miss this)"
echo goodbye >in.txt
touch -d 2001-01-01 in.txt
run_pipeline
expect_ran shout count
expect_file_content out/shout.txt "GOODBYE!"

step "a changed command reruns (here through a var override)"
run_pipeline suffix=?
expect_ran shout count
expect_file_content out/shout.txt "GOODBYE?"
run_pipeline suffix=?
expect_nothing_to_do
run_pipeline
expect_ran shout count

step "a deleted output reruns its job"
rm out/other.txt
run_pipeline
expect_ran other

step "an output edited by hand reruns its job"
echo tampered >out/count.txt
run_pipeline --explain
expect_ran count
expect_output_contains "output out/count.txt was changed or replaced after the job wrote it"
expect_file_content out/count.txt "9"

step "-B forces every selected job"
run_pipeline -B other
expect_ran other

step "--why explains both ways, and reads without writing"
touch_future other.txt
before=$(stat -c %Y .pipeline/state.db)
run_pipeline --why
expect_rc 0
expect_output_contains "other: would run: input other.txt changed since the last run"
expect_output_matches "^shout: up to date: inputs unchanged since the run of [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$"
[[ $(stat -c %Y .pipeline/state.db) == "$before" ]] || fail "--why wrote the state database"

step "--touch records a job as up to date without running it"
run_pipeline --touch other
expect_rc 0
run_pipeline
expect_nothing_to_do

step "--clean -n lists the declared outputs; --clean deletes them"
run_pipeline --clean -n count
expect_output_contains "would remove out/count.txt"
expect_output_contains "would remove out/shout.txt"
expect_file out/count.txt
run_pipeline --clean count
expect_rc 0
expect_no_file out/count.txt
expect_no_file out/shout.txt
expect_file out/other.txt
expect_file in.txt
run_pipeline
expect_ran shout count

step "a damaged state.db is reported in one line and rebuilt; every job runs once"
head -c 4096 /dev/urandom >.pipeline/state.db
rm -f .pipeline/state.db-wal .pipeline/state.db-shm
run_pipeline
expect_rc 0
[[ $(grep -c "warning: state database" <<<"$OUT") == 1 ]] || fail "expected one warning line about the state database"
expect_ran shout count other
run_pipeline
expect_nothing_to_do

# ---------------------------------------------------------------- method = "hash"
rm -rf .pipeline out
write_pipeline <<'TOML'
[tasks.first_field]
inputs = ["data.csv"]
outputs = ["fields.txt"]
cmd = "cut -d, -f1 {input} > {output}"
method = "hash"

[tasks.upper]
inputs = ["fields.txt"]
outputs = ["upper.txt"]
cmd = "tr a-z A-Z < {input} > {output}"
TOML
printf 'a,1\nb,2\n' >data.csv

step "method = hash: first run"
run_pipeline
expect_ran first_field upper

step "method = hash: touch alone does not rerun"
touch_future data.csv
run_pipeline
expect_nothing_to_do

step "method = hash: a content change reruns; identical output leaves the dependent alone"
printf 'a,9\nb,9\n' >data.csv
run_pipeline
expect_ran first_field
expect_output_contains "1 up to date"

step "a real change of the output reaches the dependent"
printf 'c,9\nb,9\n' >data.csv
run_pipeline
expect_ran first_field upper
expect_file_content upper.txt "$(printf 'C\nB')"

# ---------------------------------------------------------------- adoption
step "an existing tree with outputs newer than inputs and no state is not redone"
rm -rf .pipeline
printf 'x,1\n' >data.csv
set_mtime 1000000000 data.csv
printf 'x\n' >fields.txt
printf 'X\n' >upper.txt
run_pipeline
expect_nothing_to_do

step "... but an output older than its input is redone"
rm -rf .pipeline
set_mtime 900000000 upper.txt
run_pipeline
expect_ran upper

step "the read-only modes create no state directory"
rm -rf .pipeline
for mode in --why --check --list --graph -n; do
  run_pipeline $mode
  expect_rc 0
  expect_no_file .pipeline
done
