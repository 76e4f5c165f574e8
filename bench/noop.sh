#!/usr/bin/env bash
# noop.sh - time the no-op check of N up-to-date copy jobs with pipeline, beside
# `ninja` and `ninja -n` on an equivalent build.ninja with N edges. Prints a
# markdown table of the median of RUNS runs.
#
#   bench/noop.sh [N] [RUNS] [FORM]    defaults: N=10000, RUNS=7, FORM=wildcard
# FORM wildcard: one task `src/{n}.txt -> out/{n}.txt`; explicit: one task per file.
# PIPELINE (default build/pipeline) names the binary under test.
#
# The tree is made up to date without running N copies: out/ is copied from src/
# and made newer, so pipeline adopts it (SPEC §3 rule 4) and ninja sees newer
# outputs; one untimed run of each settles its state (.pipeline/state.db,
# .ninja_log) before the timed runs.
set -euo pipefail
N=${1:-10000}
RUNS=${2:-7}
FORM=${3:-wildcard}
PIPELINE=$(realpath "${PIPELINE:-build/pipeline}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
mkdir -p src
seq 1 "$N" | awk '{ print "file " $1 > ("src/" $1 ".txt"); close("src/" $1 ".txt") }'
if [[ $FORM == wildcard ]]; then
  printf '[tasks.copy]\ninputs = ["src/{n}.txt"]\noutputs = ["out/{n}.txt"]\ncmd = ["cp", "{input}", "{output}"]\n' >Pipeline.toml
else
  for i in $(seq 1 "$N"); do
    printf '[tasks.copy_%d]\ninputs = ["src/%d.txt"]\noutputs = ["out/%d.txt"]\ncmd = ["cp", "{input}", "{output}"]\n' "$i" "$i" "$i"
  done >Pipeline.toml
fi
{
  printf 'rule cp\n  command = cp $in $out\n'
  for i in $(seq 1 "$N"); do printf 'build out/%d.txt: cp src/%d.txt\n' "$i" "$i"; done
} >build.ninja
cp -r src out
find out -type f -exec touch -d '+1 minute' {} +
# each tool gets its own copy: ninja would otherwise rewrite pipeline's outputs
mkdir p n
mv src out Pipeline.toml p/
cp -a p/src p/out n/
mv build.ninja n/
(cd p && "$PIPELINE" -q >/dev/null)
(cd n && ninja >/dev/null)
# median wall time in ms of a command run RUNS times
median_ms() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
"$PIPELINE" -C p | grep -q "nothing to do ($N up to date)" || { echo "pipeline did not report nothing to do" >&2; exit 1; }
ninja -C n | grep -q "no work to do" || { echo "ninja has work to do" >&2; exit 1; }
p=$(median_ms "$PIPELINE" -C p -q)
n=$(median_ms ninja -C n)
nn=$(median_ms ninja -C n -n)
rss=$( { /usr/bin/time -f "%M" "$PIPELINE" -C p -q >/dev/null; } 2>&1 | tail -n 1)
echo "| jobs | form | pipeline (no-op) | ninja (no-op) | ninja -n | pipeline / ninja -n | pipeline peak RSS |"
echo "|---|---|---|---|---|---|---|"
awk -v N="$N" -v f="$FORM" -v p="$p" -v n="$n" -v nn="$nn" -v rss="$rss" \
  'BEGIN { printf "| %d | %s | %d ms | %d ms | %d ms | %.2f | %.0f MiB |\n", N, f, p, n, nn, p / nn, rss / 1024 }'
