# Proves the output modes and the console of SPEC §4: --output stream lines are whole
# and prefixed; a job printing 500 MB keeps pipeline under 64 MiB; while jobs sleep
# pipeline uses under 1% CPU; on a terminal the status line is drawn and erased.
source "$(dirname "$0")/lib.sh"

step "--output stream: live lines prefixed by the job id, never torn"
write_pipeline <<'TOML'
[tasks.a]
cmd = "awk 'BEGIN { for (i = 0; i < 3000; i++) { s = sprintf(\"a%05d:\", i); while (length(s) < 300) s = s \"a\"; print s } }'"
[tasks.b]
cmd = "awk 'BEGIN { for (i = 0; i < 3000; i++) { s = sprintf(\"b%05d:\", i); while (length(s) < 300) s = s \"b\"; print s } }'"
TOML
run_pipeline -j2 --output stream
expect_rc 0
for job in a b; do
  n=$(grep -cE "^$job: $job[0-9]{5}:$job{293}\$" <<<"$OUT" || true)
  [[ $n == 3000 ]] || fail "expected 3000 whole lines of job $job, got $n"
done
torn=$(grep -vE '^(a: a[0-9]{5}:a{293}|b: b[0-9]{5}:b{293}|\[[0-9]/2\] ok [ab] .*|pipeline: .*)$' <<<"$OUT" | head -n 3 || true)
[[ -z $torn ]] || fail "torn or unexpected lines: $torn"

step "a job printing 500 MB: pipeline stays under 64 MiB peak RSS"
write_pipeline <<'TOML'
[tasks.flood]
cmd = ["head", "-c", "500000000", "/dev/zero"]
TOML
/usr/bin/time -f "%M" -o rss.txt "$PIPELINE" -q >flood.out 2>&1 || fail "the flood run failed: $(tail -c 300 flood.out)"
rss=$(tail -n 1 rss.txt)
echo "peak RSS: $rss KiB"
((rss < 65536)) || fail "peak RSS $rss KiB is not under 64 MiB"
log=$(ls .pipeline/logs/*/flood.log)
[[ $(stat -c %s "$log") == 500000000 ]] || fail "the log does not hold the whole output"
rm -f "$log"

step "while two jobs sleep 3 s, pipeline itself uses under 1% CPU"
write_pipeline <<'TOML'
[tasks.s1]
cmd = ["sleep", "3"]
[tasks.s2]
cmd = ["sleep", "3"]
TOML
# pipeline's own user+sys: the children's time is reported apart by getrusage
cpu=$(/usr/bin/time -f "%U %S" "$PIPELINE" -q -j2 2>&1 >/dev/null | tail -n 1)
echo "pipeline CPU (user sys): $cpu"
awk -v u="${cpu% *}" -v s="${cpu#* }" 'BEGIN { exit !(u + s <= 0.03) }' || fail "pipeline used $cpu s of CPU during 3 s"

step "on a terminal: a status line with done/total, running, longest job; erased before output"
write_pipeline <<'TOML'
[tasks.slow]
cmd = "sleep 1; echo slow-done"
[tasks.fast]
cmd = "echo fast-done"
TOML
script -qec "$PIPELINE -j2 --color never" /dev/null >tty.out 2>&1 </dev/null || fail "the run on a terminal failed"
grep -aq "running 1 · longest: slow" tty.out || fail "no status line naming the longest job: $(cat -v tty.out)"
grep -aq $'\r\033\[K\[2/2\] ok slow' tty.out || fail "the status line was not erased before the job's output: $(cat -v tty.out)"
grep -aq "^slow-done" tty.out || fail "the job's output is missing"
