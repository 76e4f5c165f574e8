# Proves the paths taken only by large plans: with thousands of jobs the stamps are
# read ahead on worker threads (stat_read_ahead), and a job whose dependency ran in
# this run must still see the files that dependency rewrote. A two-step chain over
# 2,500 files is built by hand and adopted (SPEC §3 rule 4), then three sources
# change: exactly their six jobs run, and the second step sees the new first-step
# outputs.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.first]
inputs = ["src/{n}.txt"]
outputs = ["mid/{n}.txt"]
cmd = "tr a-z A-Z < {input} > {output}"

[tasks.second]
inputs = ["mid/{n}.txt"]
outputs = ["out/{n}.txt"]
cmd = "rev < {input} > {output}"
TOML
mkdir -p src mid out
for i in $(seq 1 2500); do
  echo "frame $i" >"src/$i.txt"
  echo "FRAME $i" >"mid/$i.txt"
  echo "$i EMARF" >"out/$i.txt"
done
touch -d '-2 minutes' src/*.txt
touch -d '-1 minute' mid/*.txt

step "the hand-built tree is adopted: nothing to do"
run_pipeline
expect_nothing_to_do
expect_output_contains "(5000 up to date)"

step "three sources change: their first and second jobs run, on the new content"
for i in 7 1234 2500; do echo "new $i" >"src/$i.txt"; done
run_pipeline
expect_rc 0
expect_ran "first[n=7]" "first[n=1234]" "first[n=2500]" "second[n=7]" "second[n=1234]" "second[n=2500]"
expect_file_content out/7.txt "7 WEN"
expect_file_content out/2500.txt "0052 WEN"

step "an intermediate file edited by hand: its first job rewrites it, then its second runs"
echo "EDITED" >mid/99.txt
run_pipeline
expect_rc 0
expect_ran "first[n=99]" "second[n=99]"
expect_file_content out/99.txt "99 EMARF"

step "and then nothing to do"
run_pipeline
expect_nothing_to_do
