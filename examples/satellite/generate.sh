#!/bin/sh
# generate.sh N [--corrupt K] [DIR]: make N fake satellite frames in DIR (default: the
# directory of this script) as raw/FRAME.bz2, where FRAME is like 20261121T0100_0042:
# the day, the hour and a running number, 24 frames a day from 2026-11-21 on. Each
# frame is LINES (default 20000, about 280 KiB) lines of "row col count" numbers,
# bzip2'ed. With --corrupt K the last K frames are cut short, so that bunzip2 fails
# on them (to try -k).
#
# The content is deterministic (a fixed pseudo-random sequence per frame). Existing
# frames are left alone, so `./generate.sh 49` after `./generate.sh 48` adds one.
set -eu

usage() {
    echo "usage: generate.sh N [--corrupt K] [DIR]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
n=$1
shift
corrupt=0
dir=$(dirname "$0")
while [ $# -gt 0 ]; do
    case $1 in
        --corrupt) [ $# -ge 2 ] || usage; corrupt=$2; shift 2 ;;
        -*) usage ;;
        *) dir=$1; shift ;;
    esac
done
lines=${LINES:-20000}

cd "$dir"
mkdir -p raw

i=0
day_index=-1
while [ "$i" -lt "$n" ]; do
    d=$((i / 24))
    if [ "$d" -ne "$day_index" ]; then
        day=$(date -u -d "2026-11-21 +$d day" +%Y%m%d)
        day_index=$d
    fi
    frame=$(printf '%sT%02d00_%04d' "$day" $((i % 24)) $((i + 1)))
    file=raw/$frame.bz2
    if [ ! -e "$file" ]; then
        awk -v seed="$((i + 1))" -v lines="$lines" '
        # Park-Miller generator: exact in double arithmetic, the same in every awk.
        function rnd(m) { state = (state * 16807) % 2147483647; return state % m }
        BEGIN {
            state = 1 + seed * 7919
            base = 800 + rnd(400)            # each frame a little brighter or darker
            for (r = 0; r < lines; r++)
                printf "%d %d %d\n", int(r / 256), r % 256, base + rnd(2000)
        }' | bzip2 -c >"$file.tmp"
        if [ "$i" -ge $((n - corrupt)) ]; then
            # Cut short: bunzip2 reports "unexpected end of file" and fails.
            head -c 2000 "$file.tmp" >"$file.cut"
            mv "$file.cut" "$file.tmp"
        fi
        mv "$file.tmp" "$file"
    fi
    i=$((i + 1))
done

echo "generate.sh: $n frames in $(pwd)/raw ($corrupt cut short)"
