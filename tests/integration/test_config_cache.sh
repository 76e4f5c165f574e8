# Proves the cache of a large Pipeline.toml's parsed declarations (config_cache):
# a run writes .pipeline/config-cache/Pipeline.toml, the next run reads it instead of
# parsing; a changed text, other var overrides or a damaged cache are never trusted;
# positions in messages are right from the cache; modes that only read (-n, --check)
# never write it; a file with its own state_dir gets no cache in .pipeline.
source "$(dirname "$0")/lib.sh"

# 3,000 explicit tasks with long descriptions: over the 512 KiB from which a file is
# cached. Outputs are built by hand and adopted, so no job runs to begin with.
N=3000
mkdir -p src out
seq 1 $N | awk '{ print "frame " $1 > ("src/" $1 ".txt"); close("src/" $1 ".txt") }'
cp src/*.txt out/
touch -d '-1 minute' src/*.txt
{
  printf '[vars]\nflag = "-p"\n\n'
  printf '[tasks.maybe]\ninputs = ["later/{x}.txt"]\noutputs = ["done/{x}.txt"]\ncmd = "cp {input} {output}"\n\n'
  printf '[tasks.copy_1]\ninputs = ["src/1.txt"]\noutputs = ["out/1.txt"]\ncmd = ["cp", "{flag}", "{input}", "{output}"]\n\n'
  for i in $(seq 2 $N); do
    printf '[tasks.copy_%d]\ndescription = "copy frame %d from src to out, keeping its time stamp; this line is long on purpose"\ninputs = ["src/%d.txt"]\noutputs = ["out/%d.txt"]\ncmd = ["cp", "-p", "{input}", "{output}"]\n\n' "$i" "$i" "$i" "$i"
  done
} >Pipeline.toml
size=$(stat -c %s Pipeline.toml)
((size > 600000)) || fail "the test file is only $size bytes: too small to be cached"
cache=.pipeline/config-cache/Pipeline.toml

step "-n and --check read the file but write no cache (nor anything else)"
run_pipeline --check
expect_rc 0
run_pipeline -n
expect_rc 0
[[ ! -e .pipeline ]] || fail "a read-only mode created .pipeline"

step "a run parses the file and writes the cache"
export PIPELINE_TIMINGS=1
run_pipeline_split
expect_nothing_to_do
expect_file "$cache"
expect_stderr_contains "timing: config cache written"
# The warning of a pattern that matched nothing, with its position, as parsed.
expect_stderr_matches '^Pipeline\.toml:5:11: warning: .*later/\{x\}\.txt'

step "the next run reads the cache: same result, same position in the warning"
run_pipeline_split
expect_nothing_to_do
expect_stderr_contains "timing: config from cache"
expect_stderr_matches '^Pipeline\.toml:5:11: warning: .*later/\{x\}\.txt'

step "a changed command in the text is seen: exactly that job runs"
sed -i '/^\[tasks.copy_7\]$/,/^cmd/ s|"cp", "-p"|"cp", "-p", "-v"|' Pipeline.toml
grep -q '"cp", "-p", "-v"' Pipeline.toml || fail "the edit did not apply"
run_pipeline_split
expect_rc 0
expect_ran copy_7
expect_stderr_contains "timing: config cache written"

step "a var override is part of the key: the job that uses the var runs, then not again"
run_pipeline_split flag=--preserve=timestamps
expect_rc 0
expect_ran copy_1
expect_stderr_contains "timing: config cache written"
run_pipeline_split flag=--preserve=timestamps
expect_nothing_to_do
expect_stderr_contains "timing: config from cache"

step "a damaged cache is not trusted: the file is parsed again and the cache rewritten"
printf 'garbage' | dd of="$cache" bs=1 seek=5000 conv=notrunc status=none
run_pipeline_split flag=--preserve=timestamps
expect_nothing_to_do
expect_stderr_contains "timing: config cache written"
run_pipeline_split flag=--preserve=timestamps
expect_stderr_contains "timing: config from cache"

step "a file that sets its own state_dir gets no cache under .pipeline"
rm -rf .pipeline
{ printf '[pipeline]\nstate_dir = "state"\n'; cat Pipeline.toml; } >Other.toml
run_pipeline_split -f Other.toml flag=--preserve=timestamps
expect_rc 0
[[ ! -e .pipeline ]] || fail "a run with state_dir = \"state\" created .pipeline"
expect_file state/state.db
