# summarize.awk -v day=DAY FRAME.cal...: one line of statistics for the day:
# "DAY frames=N values=M mean=X min=Y max=Z" over the calibrated frames given.
FNR == 1 { frames++ }
{
    v = $3 + 0
    if (values == 0 || v < min) min = v
    if (values == 0 || v > max) max = v
    sum += v
    values++
}
END {
    if (values == 0) { print "summarize: no values for " day > "/dev/stderr"; exit 1 }
    printf "%s frames=%d values=%d mean=%.4f min=%.4f max=%.4f\n", day, frames, values, sum / values, min, max
}
