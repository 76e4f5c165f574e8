# Proves fan-out (SPEC §1.3, §2.3): a wildcard task makes one job per matching file;
# a two-step chain plans and runs in a fresh tree (the second step matches the
# first step's planned outputs); an aggregate glob sees planned outputs; only the
# frames that have both inputs get jobs; a regex constrains a wildcard; a matrix
# makes one job per combination with the right values; a job id and an output path
# as targets run exactly one job; a new file in the input directory runs exactly one
# new job (and the aggregate).
source "$(dirname "$0")/lib.sh"

write_pipeline <<'TOML'
[tasks.upper]
description = "one job per raw frame"
inputs = ["raw/{frame}.txt"]
outputs = ["work/{frame}.up"]
cmd = "tr a-z A-Z < {input} > {output}"

[tasks.tag]
description = "second step: matches upper's planned outputs, and needs meta"
inputs = { data = "work/{frame}.up", meta = "meta/{frame}.json" }
outputs = ["out/{frame}.txt"]
cmd = "cat {inputs.data} {inputs.meta} > {output}; echo {frame} >> {output}"

[tasks.merge]
description = "aggregate over every planned output"
inputs = ["out/*.txt"]
outputs = ["merged.txt"]
cmd = ["sh", "-c", "cat \"$@\" > merged.txt", "merge", "{inputs}"]
TOML
mkdir -p raw meta
for f in f1 f2 f3; do echo "frame $f" >"raw/$f.txt"; done
echo '{"f1": 1}' >meta/f1.json
echo '{"f3": 3}' >meta/f3.json
echo '{"f9": 9}' >meta/f9.json # no raw frame: no job

step "--check plans the chain in a fresh tree"
run_pipeline --check
expect_rc 0
# upper: 3, tag: f1 and f3 (f2 has no meta, f9 no raw frame), merge: 1
expect_output_contains "(3 tasks, 6 jobs)"

step "one job per matching file, a chain, only frames with both inputs, an aggregate"
run_pipeline -j2
expect_rc 0
expect_ran 'upper[frame=f1]' 'upper[frame=f2]' 'upper[frame=f3]' 'tag[frame=f1]' 'tag[frame=f3]' merge
expect_file_content work/f2.up "FRAME F2"
expect_file_content out/f1.txt $'FRAME F1\n{"f1": 1}\nf1'
expect_no_file out/f2.txt
expect_no_file out/f9.txt
expect_file_content merged.txt $'FRAME F1\n{"f1": 1}\nf1\nFRAME F3\n{"f3": 3}\nf3'

step "a second run does nothing"
run_pipeline -j2
expect_nothing_to_do

step "a new file in the input directory runs exactly one new job, and the aggregate"
echo "frame f4" >raw/f4.txt
run_pipeline -j2
expect_rc 0
expect_ran 'upper[frame=f4]'
echo '{"f4": 4}' >meta/f4.json
run_pipeline -j2
expect_rc 0
expect_ran 'tag[frame=f4]' merge
expect_file_contains merged.txt f4

step "a job id as target runs exactly that job"
rm out/f3.txt
run_pipeline 'tag[frame=f3]'
expect_rc 0
expect_ran 'tag[frame=f3]'
expect_file out/f3.txt

step "an output path as target runs exactly the job that makes it"
rm work/f2.up
run_pipeline work/f2.up
expect_rc 0
expect_ran 'upper[frame=f2]'

step "an unknown job id is an error with a suggestion"
run_pipeline 'tag[frame=f2]'
expect_rc 2
expect_output_contains "unknown target 'tag[frame=f2]'"

step "a regex constrains a wildcard"
mkdir -p rx && cd rx
write_pipeline <<'TOML'
[tasks.num]
inputs = ["in/{id:[0-9]{4}}.dat"]
outputs = ["out/{id}.n"]
cmd = "cp {input} {output}"
TOML
mkdir -p in
for f in 0001 0002 12345 abcd 003; do echo "$f" >"in/$f.dat"; done
run_pipeline -j2
expect_rc 0
expect_ran 'num[id=0001]' 'num[id=0002]'
cd ..

step "a matrix makes one job per combination, with its values"
mkdir -p mx && cd mx
write_pipeline <<'TOML'
[tasks.tile]
matrix = { band = ["B01", "B02", "B03"], level = ["L1", "L2"] }
outputs = ["tiles/{band}/{level}.txt"]
cmd = "echo {band} {level} {job} > {output}"

[tasks.index]
inputs = ["tiles/**/*.txt"]
outputs = ["index.txt"]
cmd = "cat {inputs} > {output}"
TOML
run_pipeline -j2
expect_rc 0
[[ $(ran_jobs | grep -c '^tile\[') -eq 6 ]] || fail "expected 6 tile jobs, got: $(ran_jobs | tr '\n' ' ')"
expect_file_content tiles/B02/L1.txt "B02 L1 tile[band=B02,level=L1]"
expect_file_content index.txt "$(printf '%s\n' B01 B02 B03 | while read -r b; do
  for l in L1 L2; do echo "$b $l tile[band=$b,level=$l]"; done
done)"
run_pipeline 'tile[band=B03,level=L2]'
expect_nothing_to_do
cd ..

step "wildcard values are shell-quoted in string commands"
mkdir -p quoting/in && cd quoting
write_pipeline <<'TOML'
[tasks.copy]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "cp {input} {output} && echo {name} >> {output}"
TOML
echo hello >'in/a b;touch PWNED.txt'
run_pipeline
expect_rc 0
expect_output_contains '] ok copy[name=a b;touch PWNED] ('
expect_no_file PWNED
expect_file_content 'out/a b;touch PWNED.txt' $'hello\na b;touch PWNED'
cd ..

step "a pattern at the root never matches the state directory, .git or a linked directory"
mkdir -p rootwide/sub rootwide/.git rootwide/elsewhere && cd rootwide
write_pipeline <<'TOML'
[tasks.gz]
inputs = ["{path:.+}.log"]
outputs = ["gz/{path}.log.gz"]
cmd = ["gzip", "-c", "{input}"]
stdout = "{output}"
TOML
echo one >top.log
echo two >sub/deep.log
echo git >.git/HEAD.log
echo far >elsewhere/far.log
ln -s elsewhere linked
mkdir -p .pipeline/logs/old
echo state >.pipeline/logs/old/job.log # what pipeline itself keeps there
run_pipeline -j2
expect_rc 0
expect_ran 'gz[path=elsewhere/far]' 'gz[path=sub/deep]' 'gz[path=top]'
run_pipeline -j2
expect_nothing_to_do
cd ..
exit 0
