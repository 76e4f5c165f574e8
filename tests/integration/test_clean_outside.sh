#!/usr/bin/env bash
# --clean never deletes outside the root (SPEC §2): not a "../" output, not an
# absolute one, not one reached through a symbolic link to a directory outside.
# Those are listed as left alone; outputs inside the root are still removed.
source "$(dirname "$0")/lib.sh"

OUTSIDE=$TEST_TMP/outside
mkdir -p "$OUTSIDE/linked" project
cd project
ln -s "$OUTSIDE/linked" link
write_pipeline <<EOF
[tasks.make]
cmd = "echo a > ../escape.txt; echo b > $OUTSIDE/abs.txt; echo c > link/through.txt; echo d > inside.txt"
outputs = ["../escape.txt", "$OUTSIDE/abs.txt", "link/through.txt", "inside.txt"]
EOF

step "the job writes its four outputs"
run_pipeline
expect_rc 0
for f in ../escape.txt "$OUTSIDE/abs.txt" "$OUTSIDE/linked/through.txt" inside.txt; do
  expect_file "$f"
done

step "--clean -n lists only the output inside the root, and the others as left"
run_pipeline --clean -n
expect_rc 0
expect_output_contains "would remove inside.txt"
expect_output_lacks "would remove ../escape.txt"
expect_output_lacks "would remove link/through.txt"
expect_output_contains "left ../escape.txt: it is outside the root"
expect_output_contains "left link/through.txt: it is outside the root"
expect_output_contains "left $OUTSIDE/abs.txt: it is outside the root"
expect_file inside.txt

step "--clean removes the output inside the root and leaves the three outside"
run_pipeline --clean
expect_rc 0
expect_no_file inside.txt
for f in ../escape.txt "$OUTSIDE/abs.txt" "$OUTSIDE/linked/through.txt"; do
  expect_file "$f"
done
expect_output_contains "removed 1 file"
