# Proves that the examples/cbuild example builds a working C program in parallel,
# that a second run does nothing, and that a changed source file recompiles only
# that file and relinks; the `test` and `clean` tasks work as targets.
source "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || fail "no C compiler (cc) on this machine"
cp -R "$PIPELINE_SOURCE_DIR/examples/cbuild/." .
rm -rf build .pipeline

step "the first build compiles every source and links, with -j2"
run_pipeline -j2
expect_rc 0
expect_ran cc-main cc-words cc-table cc-sort cc-report wordfreq
expect_file build/wordfreq
printf 'b a c a b a\n' >words.txt
[[ $(./build/wordfreq -n 2 words.txt) == $'      3 a\n      2 b\n6 words, 3 distinct' ]] ||
  fail "build/wordfreq printed: $(./build/wordfreq -n 2 words.txt)"

step "a second run does nothing"
run_pipeline -j2
expect_nothing_to_do
expect_output_contains "6 up to date"

step "the test task runs the program on the sample, and only it"
run_pipeline test
expect_rc 0
expect_ran test

# Inputs are touched into the future from here on, so that they are newer than
# anything a run writes: each step below expects a superset of the one before.
step "a changed source recompiles that file and relinks, nothing else"
prog_before=$(stat -c %.9Y build/wordfreq)
main_before=$(stat -c %.9Y build/main.o)
touch_future src/table.c
run_pipeline -j2
expect_rc 0
expect_ran cc-table wordfreq
[[ $(stat -c %.9Y build/wordfreq) != "$prog_before" ]] || fail "build/wordfreq was not relinked"
[[ $(stat -c %.9Y build/main.o) == "$main_before" ]] || fail "build/main.o was rewritten"
./build/wordfreq -n 1 words.txt | grep -q '^      3 a$' || fail "the relinked program does not work"

step "a changed header recompiles every source"
touch_future src/wordfreq.h
run_pipeline -j2
expect_rc 0
expect_ran cc-main cc-words cc-table cc-sort cc-report wordfreq

step "the test task fails when the program's output differs"
echo "      1 unexpected" >>tests/expected.txt
run_pipeline test
expect_rc 1
expect_failed test
expect_output_lacks "ok test ("
expect_output_contains "unexpected"

step "clean is a task like any other"
run_pipeline clean
expect_rc 0
expect_ran clean
expect_no_file build
exit 0
