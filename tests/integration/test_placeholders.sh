# Proves the placeholder rules of SPEC §1.2: file names are shell-quoted in string
# commands (no injection), list placeholders become separate argv elements in array
# commands (and are joined inside a longer element), vars are inserted as written,
# NAME=VALUE overrides a var for one run, the table forms {inputs.NAME},
# {inputs[N]}, {outputs[N]}, {task}, {job} work, and {{ }}, ${VAR} and other
# brace text reach the command as the shell or awk expects.
source "$(dirname "$0")/lib.sh"

write_file 'a b;touch PWNED' <<<"hostile content"
write_file "it's \$(touch PWNED2)" <<<"quoted content"
write_file 'x 1.txt' <<<x
write_file y.txt <<<y
printf 'k1 v1\nk2 v2\n' >pairs.txt
write_file s.txt <<<s
write_file t1.txt <<<t1
write_file t2.txt <<<t2

write_pipeline <<'TOML'
[vars]
cflags = "-O2 -g"
mode = "plain"
list = ["one item", "two"]

[tasks.hostile]
inputs = ["a b;touch PWNED"]
outputs = ["out/hostile.txt"]
cmd = "cat {input} > {output}"

[tasks.quoted]
inputs = ["it's $(touch PWNED2)"]
outputs = ["out/quoted.txt"]
cmd = "cat {inputs} > {outputs}"

[tasks.argv]
inputs = ["x 1.txt", "y.txt"]
outputs = ["out/argv.txt"]
cmd = ["printf", "[%s]\\n", "{inputs}", "--all={inputs}", "{list}"]
stdout = "{output}"

[tasks.words]
outputs = ["out/words.txt"]
cmd = "printf '[%s]\\n' {cflags} {list} > {output}"

[tasks.override]
outputs = ["out/mode.txt"]
cmd = "echo {mode} > {output}"
always = true

[tasks.groups]
inputs = { src = "s.txt", table = ["t1.txt", "t2.txt"] }
outputs = { main = "out/g-main.txt", extra = ["out/g-e1.txt", "out/g-e2.txt"] }
cmds = [
  "echo {inputs} > {outputs.main}",
  "echo {inputs.table} {inputs[2]} {inputs.src} >> {outputs.main}",
  "echo {outputs} >> {outputs.main}",
  "echo first > {output}",
  "echo second > {outputs[1]}",
]

[tasks.names]
outputs = ["out/names.txt"]
cmd = ["echo", "{task}", "{job}"]
stdout = "out/{task}.txt"

[tasks.braces]
inputs = ["pairs.txt"]
outputs = ["out/braces.txt"]
cmds = [
  "awk '{{print $2}}' {input} > {output}",
  "awk '{print $1}' {input} >> {output}",
  "echo ${HOME} >> {output}",
  "echo '{a,b}' >> {output}",
]
TOML

step "a hostile file name is one harmless argument of a string command"
run_pipeline hostile quoted
expect_rc 0
expect_ran hostile quoted
expect_output_lacks "PWNED"
expect_no_file PWNED
expect_no_file PWNED2
expect_file_content out/hostile.txt "hostile content"
expect_file_content out/quoted.txt "quoted content"

step "array command: a list placeholder gives one argv element per value"
run_pipeline argv
expect_rc 0
expect_file_content out/argv.txt $'[x 1.txt]\n[y.txt]\n[--all=x 1.txt y.txt]\n[one item]\n[two]'

step "vars are inserted as written in a string command; array vars item by item"
run_pipeline words
expect_rc 0
expect_file_content out/words.txt $'[-O2]\n[-g]\n[one item]\n[two]'

step "NAME=VALUE overrides a var for one run"
run_pipeline override
expect_rc 0
expect_file_content out/mode.txt plain
run_pipeline mode=fancy override
expect_rc 0
expect_file_content out/mode.txt fancy
run_pipeline override mode=fancier
expect_rc 0
expect_file_content out/mode.txt fancier
run_pipeline override
expect_rc 0
expect_file_content out/mode.txt plain

step "table form: groups in alphabetical order, by name and by index"
run_pipeline groups
expect_rc 0
expect_file_content out/g-main.txt $'s.txt t1.txt t2.txt\nt1.txt t2.txt t2.txt s.txt\nout/g-e1.txt out/g-e2.txt out/g-main.txt'
expect_file_content out/g-e1.txt first
expect_file_content out/g-e2.txt second

step "{task} and {job}, also in stdout"
run_pipeline names
expect_rc 0
expect_file_content out/names.txt "names names"

step "{{ }} are literal braces; \${HOME} and other brace text are left alone"
run_pipeline braces
expect_rc 0
expect_file_content out/braces.txt "v1
v2
k1
k2
$HOME
{a,b}"
exit 0
