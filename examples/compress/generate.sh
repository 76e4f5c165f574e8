#!/bin/sh
# generate.sh [DIR]: make a tree of web-server logs in DIR (default: the directory of
# this script), logs/2026-11-DD/host-X.log, for the one wildcard task of
# Pipeline.toml (logs/{path:.+}.log -> compressed/{path}.log.gz) to compress.
#
# The content is deterministic (a fixed pseudo-random sequence). Existing logs are
# left alone, so `DAYS=5 ./generate.sh` adds one day of logs to the tree. Sizes: DAYS
# days (default 4) x HOSTS hosts (default 8) files of LINES lines (default 3000,
# about 350 KiB each).
set -eu

dir=${1:-$(dirname "$0")}
days=${DAYS:-4}
hosts=${HOSTS:-8}
lines=${LINES:-3000}

cd "$dir"
mkdir -p logs

host_names="a b c d e f g h i j k l m n o p q r s t u v w x y z"

# One log file: $1 = day number, $2 = host letter, $3 = host index (seed).
make_log() {
    awk -v day="$1" -v host="$2" -v seed="$3" -v lines="$lines" '
    # Park-Miller generator: exact in double arithmetic, the same in every awk.
    function rnd(n) { state = (state * 16807) % 2147483647; return state % n }
    BEGIN {
        state = 1 + day * 7919 + seed * 104729
        split("GET GET GET GET POST POST PUT DELETE", methods, " ")
        split("/ /index.html /api/v1/items /api/v1/items/ /api/v1/users/ /static/app.js /static/style.css /login /logout /search?q=", paths, " ")
        split("200 200 200 200 200 200 200 304 301 404 404 500 502", codes, " ")
        split("Mozilla/5.0 (X11; Linux x86_64)|curl/8.5.0|python-requests/2.31|Go-http-client/1.1|Prometheus/2.48", agents, "|")
        split("INFO INFO INFO INFO INFO WARN ERROR", levels, " ")
        split("cache miss for key|upstream took longer than expected|connection reset by peer|rotated session keys|worker started|worker stopped|config reloaded", notes, "|")
        t = 0
        for (i = 1; i <= lines; i++) {
            t += rnd(29)                      # seconds since midnight, increasing
            hh = int(t / 3600) % 24; mm = int(t / 60) % 60; ss = t % 60
            stamp = sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", day, hh, mm, ss, rnd(1000))
            if (rnd(10) < 8) {
                p = paths[1 + rnd(10)]
                if (p ~ /\/$/ && p != "/") p = p rnd(100000)
                if (p ~ /=$/) p = p "term" rnd(500)
                printf "%s host-%s nginx[%d]: 10.%d.%d.%d - - \"%s %s HTTP/1.1\" %s %d %.3fs \"%s\"\n",
                    stamp, host, 1000 + seed, rnd(256), rnd(256), 1 + rnd(254),
                    methods[1 + rnd(8)], p, codes[1 + rnd(13)], 200 + rnd(60000),
                    rnd(2000) / 1000, agents[1 + rnd(5)]
            } else {
                printf "%s host-%s app[%d]: %s %s (request id %08x)\n",
                    stamp, host, 2000 + seed, levels[1 + rnd(7)], notes[1 + rnd(7)], rnd(2147483647)
            }
        }
    }'
}

d=1
while [ "$d" -le "$days" ]; do
    day=$(printf '2026-11-%02d' "$d")
    mkdir -p "logs/$day"
    h=1
    for name in $host_names; do
        [ "$h" -le "$hosts" ] || break
        log="logs/$day/host-$name.log"
        # An existing log is kept as it is, so that running again with more DAYS
        # or HOSTS adds files without touching the others.
        if [ ! -e "$log" ]; then
            make_log "$d" "$name" "$h" > "$log.tmp"
            mv "$log.tmp" "$log"
        fi
        h=$((h + 1))
    done
    d=$((d + 1))
done

echo "generate.sh: $((days * hosts)) logs under $(pwd)/logs"
