# Proves target selection: a task name runs it and its dependencies only; an output
# path runs the job that makes it; several targets; [pipeline] default applies when
# no target is given, else every task runs; -C DIR and -f FILE; a run from a
# subdirectory finds Pipeline.toml in a parent and works in the root.
source "$(dirname "$0")/lib.sh"

write_pipeline proj/Pipeline.toml <<'TOML'
[pipeline]
default = ["second"]

[tasks.first]
outputs = ["out/first.txt"]
cmd = "echo first > {output}"

[tasks.second]
inputs = ["out/first.txt"]
outputs = ["out/second.txt"]
cmd = "cat {input} > {output}; echo second >> {output}"

[tasks.other]
outputs = ["out/other.txt"]
cmd = "echo other > {output}"

[tasks.ordered]
deps = ["other"]
outputs = ["out/ordered.txt"]
cmd = "cat out/other.txt > {output}"
TOML
cd proj

step "no target: [pipeline] default runs, with its dependencies"
run_pipeline
expect_rc 0
expect_ran first second
expect_file_content out/second.txt $'first\nsecond'
expect_no_file out/other.txt

step "a task name runs it and its dependencies (deps too) only"
rm -rf out
run_pipeline ordered
expect_rc 0
expect_ran other ordered
expect_file_content out/ordered.txt other
expect_no_file out/first.txt

step "an output path runs the job that makes it, and what it needs"
rm -rf out
run_pipeline out/second.txt
expect_rc 0
expect_ran first second
expect_no_file out/other.txt

step "an output path given as ./path"
rm -rf out
run_pipeline ./out/first.txt
expect_rc 0
expect_ran first

step "several targets"
rm -rf out
run_pipeline first other
expect_rc 0
expect_ran first other
expect_no_file out/second.txt

step "a run from a subdirectory finds Pipeline.toml in a parent and runs in the root"
rm -rf out
mkdir -p deep/er/still
cd deep/er/still
run_pipeline first
expect_rc 0
expect_ran first
cd ../../..
expect_file out/first.txt
expect_no_file deep/er/still/out

step "-C DIR changes directory first"
rm -rf out
cd ..
run_pipeline -C proj other
expect_rc 0
expect_ran other
expect_file proj/out/other.txt
expect_no_file out

step "-f FILE: the root is the directory of the file"
write_pipeline alt/build.toml <<'TOML'
[tasks.alt]
outputs = ["made-by-alt.txt"]
cmd = "pwd -P > {output}"
TOML
run_pipeline -f alt/build.toml
expect_rc 0
expect_ran alt
expect_file_content alt/made-by-alt.txt "$(cd alt && pwd -P)"
expect_no_file made-by-alt.txt

step "-C applies before -f"
rm -f alt/made-by-alt.txt
run_pipeline -C alt -f build.toml
expect_rc 0
expect_ran alt
expect_file alt/made-by-alt.txt

step "without [pipeline] default, every task runs"
write_pipeline all/Pipeline.toml <<'TOML'
[tasks.one]
outputs = ["1.txt"]
cmd = "touch {output}"

[tasks.two]
outputs = ["2.txt"]
cmd = "touch {output}"
TOML
run_pipeline -C all
expect_rc 0
expect_ran one two
expect_file all/1.txt
expect_file all/2.txt
exit 0
