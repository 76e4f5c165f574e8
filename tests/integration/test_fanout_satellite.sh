# Proves that examples/satellite works as its README says: generate.sh makes frames;
# with -j2 the chain unpack -> calibrate -> summary (per day) -> mosaic runs end to
# end in a fresh tree; a second run does nothing; one new raw frame reruns exactly
# its chain, its day's summary and the mosaic; a corrupt frame fails its own chain
# only under -k; one frame is rerun by its job id.
source "$(dirname "$0")/lib.sh"

cp -r "$PIPELINE_SOURCE_DIR/examples/satellite/." .
rm -rf raw work out daily mosaic.txt .pipeline
export LINES=2000 # small frames: the test is about the plan, not about awk

step "generate.sh makes deterministic frames named by day, hour and number"
sh ./generate.sh 26 --corrupt 1 >/dev/null
[[ $(ls raw | wc -l) -eq 26 ]] || fail "expected 26 frames"
expect_file raw/20261121T0000_0001.bz2
expect_file raw/20261122T0100_0026.bz2
mkdir again
sh ./generate.sh 3 again >/dev/null
cmp -s raw/20261121T0200_0003.bz2 again/raw/20261121T0200_0003.bz2 || fail "generate.sh is not deterministic"
rm -rf again

step "the whole chain plans in a fresh tree"
run_pipeline --check
expect_rc 0
# 26 unpack + 26 calibrate + 2 days + mosaic
expect_output_contains "(4 tasks, 55 jobs)"

step "-k: a corrupt frame fails its own chain; the rest runs, the complete day is summarised"
run_pipeline -k -j2
expect_rc 1
expect_failed 'unpack[frame=20261122T0100_0026]'
[[ $(ran_jobs | grep -c '^unpack\[') -eq 25 ]] || fail "expected 25 unpack jobs to run"
[[ $(ran_jobs | grep -c '^calibrate\[') -eq 25 ]] || fail "expected 25 calibrate jobs to run"
expect_file daily/20261121.txt
expect_no_file daily/20261122.txt
expect_no_file mosaic.txt

step "the frame replaced, its chain, its day and the mosaic run"
rm raw/20261122T0100_0026.bz2
sh ./generate.sh 26 >/dev/null
run_pipeline -j2
expect_rc 0
expect_ran 'unpack[frame=20261122T0100_0026]' 'calibrate[frame=20261122T0100_0026]' \
  'summary[day=20261122]' mosaic
expect_file_contains mosaic.txt "total days=2 frames=26 values=52000"
expect_file_contains daily/20261122.txt "20261122 frames=2 values=4000"

step "a second run does nothing"
run_pipeline -j2
expect_nothing_to_do

step "one new raw frame reruns one chain, its day's summary and the mosaic"
sh ./generate.sh 27 >/dev/null
run_pipeline -j2
expect_rc 0
expect_ran 'unpack[frame=20261122T0200_0027]' 'calibrate[frame=20261122T0200_0027]' \
  'summary[day=20261122]' mosaic
expect_file_contains mosaic.txt "total days=2 frames=27"

step "one frame rerun by its job id: -B forces it and what it needs, nothing else"
run_pipeline -B 'calibrate[frame=20261121T0500_0006]'
expect_rc 0
expect_ran 'unpack[frame=20261121T0500_0006]' 'calibrate[frame=20261121T0500_0006]'
run_pipeline out/20261121T0500_0006.cal
expect_nothing_to_do
rm out/20261121T0500_0006.cal
run_pipeline 'calibrate[frame=20261121T0500_0006]'
expect_rc 0
expect_ran 'calibrate[frame=20261121T0500_0006]'

step "--list counts the jobs of each task"
run_pipeline --list
expect_rc 0
expect_output_matches '^unpack +27 '
expect_output_matches '^summary +2 '
exit 0
