#!/usr/bin/env bash
# plan_fanout.sh - plan time and peak memory of fan-out: N input files, a wildcard
# task over them (in/{name}.txt -> mid/{name}.txt) and a dependent wildcard task
# (mid/{name}.txt -> out/{name}.txt) that matches the first one's planned outputs,
# so 2N jobs. Measures `pipeline --check` (load, list the files once, match, expand,
# connect, check cycles and collisions) with /usr/bin/time: the median wall time of
# RUNS runs and the largest peak RSS. Prints a markdown table.
#
#   bench/plan_fanout.sh [N...]        default: 10000 100000; RUNS (default 5)
# PIPELINE (default build/pipeline) names the binary under test.
set -euo pipefail
RUNS=${RUNS:-5}
PIPELINE=$(realpath "${PIPELINE:-build/pipeline}")
[[ -x /usr/bin/time ]] || { echo "plan_fanout.sh: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "| input files | jobs | plan (--check), median of $RUNS | peak RSS |"
echo "|---|---|---|---|"
for n in "${sizes[@]}"; do
  work=$dir/$n
  mkdir -p "$work/in"
  # Empty files: planning never reads them, only lists them.
  (cd "$work/in" && seq -f '%06g.txt' 1 "$n" | xargs touch)
  cat >"$work/Pipeline.toml" <<'TOML'
[tasks.first]
description = "one job per input file"
inputs = ["in/{name}.txt"]
outputs = ["mid/{name}.txt"]
cmd = "cp {input} {output}"

[tasks.second]
description = "one job per planned output of first"
inputs = ["mid/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = ["cp", "{input}", "{output}"]
TOML
  out=$("$PIPELINE" -C "$work" --check)
  [[ $out == *"($((2)) tasks, $((2 * n)) jobs)"* ]] || { echo "unexpected: $out" >&2; exit 1; }
  times=() peak=0
  for _ in $(seq 1 "$RUNS"); do
    stats=$( { /usr/bin/time -f '%e %M' "$PIPELINE" -C "$work" --check >/dev/null; } 2>&1 | tail -n 1)
    times+=("${stats% *}")
    rss=${stats#* }
    ((rss > peak)) && peak=$rss
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v n="$n" -v t="$median" -v kib="$peak" \
    'BEGIN { printf "| %d | %d | %.2f s | %.1f MiB |\n", n, 2 * n, t, kib / 1024 }'
  rm -rf "$work"
done
