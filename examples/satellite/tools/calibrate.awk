# calibrate.awk TABLE FRAME: apply the calibration table (rows "first last gain
# offset") to a frame of "row col count" lines; prints "row col radiance". A line
# that is not three numbers fails the job, naming the line.
FNR == NR {
    if ($0 ~ /^#/ || NF == 0) next
    bands++
    first[bands] = $1; last[bands] = $2; gain[bands] = $3; offset[bands] = $4
    next
}
NF != 3 || $1 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ {
    printf "calibrate: %s:%d: not a 'row col count' line: %s\n", FILENAME, FNR, $0 > "/dev/stderr"
    failed = 1
    exit 1
}
{
    b = 0
    for (k = 1; k <= bands; k++)
        if ($1 >= first[k] && $1 <= last[k]) { b = k; break }
    if (b == 0) { g = 0.01; o = 0 } else { g = gain[b]; o = offset[b] }
    printf "%d %d %.4f\n", $1, $2, g * $3 + o
}
END {
    if (!failed && FNR == 0) {
        print "calibrate: the frame is empty" > "/dev/stderr"
        exit 1
    }
}
