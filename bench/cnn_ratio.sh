#!/usr/bin/env bash
# bench/cnn_ratio.sh RESULTS — from the RESULT lines of bench_cnn_epoch and
# bench_cnn_epoch_torch.py: per net, the best median over the thread counts of each
# (wall and CPU seconds per epoch), redes/torch ratios, the larger max RSS of
# each, and redes's FLOP rate as a fraction of the peak (GHz x 2 FMA units
# x 16 floats x 2 per core: AVX-512, as bench_gemm), per wall second against
# the cores used and per CPU second against one core (on a shared machine the
# second is the one to trust).
ghz=$(awk -F: '/^cpu MHz/ {print $2 / 1000; exit}' /proc/cpuinfo)
awk -v ghz="${ghz:-2.3}" '
/^RESULT/ {
    who = $2; delete f
    for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    key = f["net"] SUBSEP who
    nets[f["net"]] = 1
    if (!(key in wall) || f["median_s"] < wall[key]) { wall[key] = f["median_s"]; threads[key] = f["threads"] }
    if (!(key in cpu) || f["cpu_s"] < cpu[key]) cpu[key] = f["cpu_s"]
    if (f["maxrss_mb"] > rss[key]) rss[key] = f["maxrss_mb"]
    if (who == "redes") gflop[f["net"]] = f["gflop_per_epoch"]
}
END {
    for (net in nets) {
        r = net SUBSEP "redes"; t = net SUBSEP "torch"
        if (!(r in wall) || !(t in wall)) continue
        peak = threads[r] * ghz * 64
        printf "%-9s wall: redes %.2f s (%d thr), torch %.2f s (%d thr), redes/torch %.2f | CPU: redes %.2f s, torch %.2f s, ratio %.2f | max RSS: redes %.0f MB, torch %.0f MB, ratio %.2f\n",
               net, wall[r], threads[r], wall[t], threads[t], wall[r] / wall[t], cpu[r], cpu[t], cpu[r] / cpu[t],
               rss[r], rss[t], rss[r] / rss[t]
        printf "%-9s %.1f GFLOP per epoch (forward + backward): %.1f GFLOP/s wall = %.0f%% of %.0f peak; %.1f GFLOP per CPU second = %.0f%% of one core (%.0f)\n",
               net, gflop[net], gflop[net] / wall[r], 100 * gflop[net] / wall[r] / peak, peak,
               gflop[net] / cpu[r], 100 * gflop[net] / cpu[r] / (ghz * 64), ghz * 64
    }
}' "$1"
