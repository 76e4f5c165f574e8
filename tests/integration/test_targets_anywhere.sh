# Proves that path targets work from anywhere (SPEC §2.3): relative to the current
# directory first (`pipeline ../build/app` from src/), then relative to the root, and
# absolute; that a misspelt NAME=VALUE suggests the var it was meant for.
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[vars]
cflags = "-O2"

[tasks.app]
outputs = ["build/app"]
cmd = "echo app {cflags} > {output}"

[tasks.lib]
outputs = ["src/lib.txt"]
cmd = "echo lib > {output}"

[tasks.sub]
outputs = ["src/src/lib.txt"]
cmd = "echo sub > {output}"
TOML
mkdir -p src

step "from src/, ../build/app is the root's build/app"
(cd src && run_pipeline ../build/app && [[ $RC -eq 0 ]]) || fail "run from src/ failed"
(cd src && run_pipeline ../build/app -B && expect_ran app)
expect_file_content build/app "app -O2"

step "from src/, lib.txt is src/lib.txt (the cwd first), src/lib.txt is src/src/lib.txt"
cd src
run_pipeline lib.txt
expect_rc 0
expect_ran lib
run_pipeline src/lib.txt
expect_rc 0
expect_ran sub
cd ..

step "a path relative to the root still works from src/ when the cwd has no such output"
cd src
run_pipeline build/app -B
expect_rc 0
expect_ran app
cd ..

step "an absolute path works"
run_pipeline "$PWD/build/app" -B
expect_rc 0
expect_ran app
(cd src && run_pipeline "$TEST_DIR/src/lib.txt" -B && expect_ran lib)

step "an absolute path outside the root is unknown"
run_pipeline_split /etc/passwd
expect_rc 2
expect_stderr_contains "unknown target '/etc/passwd'"

step "a misspelt NAME=VALUE suggests the var"
run_pipeline_split cflag=-O0
expect_rc 2
expect_stderr_contains "unknown target 'cflag=-O0'"
expect_stderr_contains "did you mean the var 'cflags' (cflags=-O0)?"
run_pipeline_split CFLAGS=-O0
expect_rc 2
expect_stderr_contains "did you mean the var 'cflags' (cflags=-O0)?"
run_pipeline_split zzz=1
expect_rc 2
expect_stderr_contains "'zzz' is not one of them (cflags)"

step "the right NAME=VALUE is an override"
run_pipeline cflags=-O0 app
expect_rc 0
expect_ran app
expect_file_content build/app "app -O0"
exit 0
