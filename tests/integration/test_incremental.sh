# Proves the up-to-date rules: a second run of an unchanged tree runs nothing; a
# deleted output reruns its job and what depends on it; a newer input reruns its
# job and its dependents only; -B forces every job; -n tells what would run and
# why, and runs nothing.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.upper_a]
inputs = ["src/a.txt"]
outputs = ["out/a.up"]
cmd = "tr a-z A-Z < {input} > {output}"

[tasks.upper_b]
inputs = ["src/b.txt"]
outputs = ["out/b.up"]
cmd = "tr a-z A-Z < {input} > {output}"

[tasks.join]
inputs = ["out/a.up", "out/b.up"]
outputs = ["out/joined.txt"]
cmd = "cat {inputs} > {output}"

[tasks.count]
inputs = ["out/joined.txt"]
outputs = ["out/count.txt"]
cmd = "wc -l < {input} | tr -d ' ' > {output}"
TOML
mkdir -p src
echo alpha >src/a.txt
printf 'beta\ngamma\n' >src/b.txt

step "-n on a fresh tree lists every job and creates nothing"
run_pipeline -n
expect_rc 0
for job in upper_a upper_b join count; do
  expect_output_matches "^would run $job: "
done
expect_ran
expect_output_matches '^pipeline: '
expect_no_file out/a.up
expect_no_file out/joined.txt
expect_no_file out/count.txt

step "the first run runs every job"
run_pipeline
expect_rc 0
expect_ran upper_a upper_b join count
expect_output_matches '^pipeline: 4 ran'
expect_file_content out/joined.txt $'ALPHA\nBETA\nGAMMA'
expect_file_content out/count.txt 3

step "a second run does nothing"
run_pipeline
expect_nothing_to_do
expect_output_contains "4 up to date"

step "-n on an up-to-date tree would run nothing"
run_pipeline -n
expect_rc 0
expect_output_lacks "would run"

step "a deleted output reruns its job and its dependent"
rm out/joined.txt
run_pipeline --explain
expect_rc 0
expect_ran join count
expect_output_contains "out/joined.txt"
expect_file_content out/joined.txt $'ALPHA\nBETA\nGAMMA'

step "then nothing to do again"
run_pipeline
expect_nothing_to_do

step "-B forces every job"
run_pipeline -B
expect_rc 0
expect_ran upper_a upper_b join count

step "--force is the long form of -B"
run_pipeline --force count
expect_rc 0
expect_ran upper_a upper_b join count

step "then nothing to do again"
run_pipeline
expect_nothing_to_do

step "a newer input: -n names that job and its dependents, with the input as reason"
printf 'beta\ngamma\ndelta\n' >src/b.txt
touch_future src/b.txt
run_pipeline -n
expect_rc 0
expect_output_matches '^would run upper_b: .*src/b\.txt'
expect_output_matches '^would run join: '
expect_output_matches '^would run count: '
expect_output_lacks "would run upper_a"
expect_file_content out/count.txt 3

step "a newer input reruns that job and its dependents only"
run_pipeline
expect_rc 0
expect_ran upper_b join count
expect_output_contains "1 up to date"
expect_file_content out/joined.txt $'ALPHA\nBETA\nGAMMA\nDELTA'
expect_file_content out/count.txt 4
exit 0
