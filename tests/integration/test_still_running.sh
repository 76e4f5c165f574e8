# Proves the line SPEC §4 asks for without a terminal: "still running: JOB (1m00s)"
# once a minute while nothing finishes. (Slow by nature: about 62 s.)
source "$(dirname "$0")/lib.sh"
write_pipeline <<'TOML'
[tasks.long]
cmd = ["sleep", "62"]
TOML
RUN_TIMEOUT=120 run_pipeline
expect_rc 0
expect_output_matches "^still running: long \(1m0[0-9]s\)$"
