# Proves that independent jobs run in parallel up to the slot limit: two `sleep 1`
# jobs take about 1 s with -j2 and about 2 s with -j1, and that -j overrides
# [pipeline] jobs.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[pipeline]
jobs = 1

[tasks.nap1]
cmd = ["sleep", "1"]

[tasks.nap2]
cmd = ["sleep", "1"]
TOML

step "-j2 runs both sleeps at once"
start=$(now)
run_pipeline -j2
took=$(seconds_since "$start")
expect_rc 0
expect_ran nap1 nap2
is_less "$took" 1.8 || fail "two 1 s jobs with -j2 took ${took}s (expected < 1.8 s)"

step "-j1 runs them one after the other"
start=$(now)
run_pipeline -j1
took=$(seconds_since "$start")
expect_rc 0
expect_ran nap1 nap2
is_less "$took" 1.9 && fail "two 1 s jobs with -j1 took ${took}s (expected >= 1.9 s)"

step "[pipeline] jobs = 1 applies without -j"
start=$(now)
run_pipeline
took=$(seconds_since "$start")
expect_rc 0
is_less "$took" 1.9 && fail "with jobs = 1 the run took ${took}s (expected >= 1.9 s)"

step "--jobs 2 is the long form of -j"
start=$(now)
run_pipeline --jobs 2
took=$(seconds_since "$start")
expect_rc 0
is_less "$took" 1.8 || fail "with --jobs 2 the run took ${took}s (expected < 1.8 s)"
exit 0
