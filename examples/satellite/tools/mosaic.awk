# mosaic.awk DAILY...: merge the per-day summary lines into one report: every day's
# line, then a total line weighted by the number of values.
{
    print
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        f[kv[1]] = kv[2] + 0
    }
    days++
    frames += f["frames"]
    values += f["values"]
    sum += f["mean"] * f["values"]
    if (days == 1 || f["min"] < min) min = f["min"]
    if (days == 1 || f["max"] > max) max = f["max"]
}
END {
    if (days == 0) { print "mosaic: no daily summaries" > "/dev/stderr"; exit 1 }
    printf "total days=%d frames=%d values=%d mean=%.4f min=%.4f max=%.4f\n", days, frames, values, sum / values, min, max
}
