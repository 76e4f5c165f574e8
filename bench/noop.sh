#!/usr/bin/env bash
# noop.sh - time the no-op check of N up-to-date copy jobs with pipeline, beside
# `ninja` and `ninja -n` on an equivalent build.ninja (one explicit task/edge per
# file, so the comparison does not depend on wildcards). Prints a markdown table
# of the median of RUNS runs.
#
#   bench/noop.sh [N] [RUNS]          default N=10000, RUNS=7
# PIPELINE (default build/pipeline) names the binary under test.
set -euo pipefail
N=${1:-10000}
RUNS=${2:-7}
PIPELINE=$(realpath "${PIPELINE:-build/pipeline}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
mkdir -p src
seq 1 "$N" | awk '{ print "file " $1 > ("src/" $1 ".txt") }'
{
  for i in $(seq 1 "$N"); do
    printf '[tasks.copy_%d]\ninputs = ["src/%d.txt"]\noutputs = ["out/%d.txt"]\ncmd = ["cp", "{input}", "{output}"]\n' "$i" "$i" "$i"
  done
} >Pipeline.toml
{
  printf 'rule cp\n  command = cp $in $out\n'
  for i in $(seq 1 "$N"); do printf 'build out/%d.txt: cp src/%d.txt\n' "$i" "$i"; done
} >build.ninja
"$PIPELINE" -q -j2 >/dev/null
ninja -j2 >/dev/null
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
p=$(median_ms "$PIPELINE" -q)
"$PIPELINE" | grep -q "nothing to do ($N up to date)" || { echo "pipeline did not report nothing to do" >&2; exit 1; }
n=$(median_ms ninja)
nn=$(median_ms ninja -n)
echo "| jobs | pipeline (no-op) | ninja (no-op) | ninja -n | pipeline / ninja |"
echo "|---|---|---|---|---|"
awk -v N="$N" -v p="$p" -v n="$n" -v nn="$nn" 'BEGIN { printf "| %d | %d ms | %d ms | %d ms | %.2f |\n", N, p, n, nn, p / n }'
