package io.gantry.ctl.bench;

import java.util.Arrays;
import java.util.List;

/** Percentiles and rates over what a benchmark observed. */
final class BenchStats {
    private BenchStats() {
    }

    /** One poll of the scheduler: when, and how many of the benchmark's workloads were placed and running. */
    record Sample(long atMs, int placed, int running) {
    }

    /** Nearest-rank percentile ({@code p} in 0..100) of {@code values}; -1 when empty. */
    static long percentile(long[] values, double p) {
        if (values.length == 0) {
            return -1;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /**
     * When the placed count first reached {@code target}, interpolated linearly between the polls around it;
     * -1 when it never did.
     */
    static double timeToReach(List<Sample> samples, int target, boolean running) {
        Sample prev = null;
        for (Sample s : samples) {
            int v = running ? s.running() : s.placed();
            if (v >= target) {
                if (prev == null) {
                    return s.atMs();
                }
                int pv = running ? prev.running() : prev.placed();
                if (v == pv) {
                    return s.atMs();
                }
                return prev.atMs() + (double) (s.atMs() - prev.atMs()) * (target - pv) / (v - pv);
            }
            prev = s;
        }
        return -1;
    }

    /** Placements per second between 10 % and 90 % of {@code total} placed: the sustained rate, without ramp-up and tail. */
    static double sustainedRate(List<Sample> samples, int total, boolean running) {
        int lo = (int) Math.ceil(total * 0.1);
        int hi = (int) Math.floor(total * 0.9);
        double t10 = timeToReach(samples, lo, running);
        double t90 = timeToReach(samples, hi, running);
        if (t10 < 0 || t90 < 0 || t90 <= t10) {
            return -1;
        }
        return (hi - lo) * 1000.0 / (t90 - t10);
    }

    /** The best placements/s between two consecutive polls at least {@code minWindowMs} apart. */
    static double peakRate(List<Sample> samples, long minWindowMs) {
        double best = 0;
        for (int i = 0, j = 0; i < samples.size(); i++) {
            while (j < i && samples.get(i).atMs() - samples.get(j + 1).atMs() >= minWindowMs) {
                j++;
            }
            long dt = samples.get(i).atMs() - samples.get(j).atMs();
            if (dt >= minWindowMs) {
                best = Math.max(best, (samples.get(i).placed() - samples.get(j).placed()) * 1000.0 / dt);
            }
        }
        return best;
    }
}
