package io.gantry.ctl.bench;

import java.util.List;
import java.util.Locale;

/** The results of scale runs as a small markdown report. */
final class BenchReport {
    private BenchReport() {
    }

    static String markdown(List<ScaleBench.Result> results, ScaleBench.Config config) {
        StringBuilder b = new StringBuilder();
        b.append("## Scale benchmark (hollow nodes)\n\n");
        b.append(String.format(Locale.ROOT, "%d containers per run, simulated start latency %d ms, poll every %d ms; "
                        + "ZooKeeper, scheduler and hollow nodes are separate JVMs on 127.0.0.1.%n%n",
                config.containers(), config.startLatency().toMillis(), config.poll().toMillis()));
        b.append("| nodes | submit | registered in | submitted in | acks/s | durable placements/s (10-90 %) | overall | "
                + "peak 1 s | all placed | all running | submit→running p50 / p99 (server) | p50 / p99 (client) | "
                + "placed / running / failed / errors |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (var r : results) {
            b.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s / %s | %s / %s | %d / %d / %d / %d |%n",
                    r.nodes(), r.mode(), ms(r.registerMs()), ms(r.submitMs()), rate(r.acksPerSecond()),
                    rate(r.sustainedPlacedPerSecond()), rate(r.overallPlacedPerSecond()), rate(r.peakPlacedPerSecond()),
                    ms(r.allPlacedMs()), ms(r.allRunningMs()),
                    ms(BenchStats.percentile(r.serverLatency(), 50)), ms(BenchStats.percentile(r.serverLatency(), 99)),
                    ms(BenchStats.percentile(r.clientLatency(), 50)), ms(BenchStats.percentile(r.clientLatency(), 99)),
                    r.placed(), r.running(), r.failed(), r.errors()));
        }
        b.append("\n| nodes | nodes used | scheduler CPU s / RSS / threads | hollow-nodes CPU s / RSS / threads | ZooKeeper CPU s / RSS |\n");
        b.append("|---|---|---|---|---|\n");
        for (var r : results) {
            b.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s |%n", r.nodes(), r.nodesUsed(),
                    fp(r.scheduler(), true), fp(r.hollow(), true), fp(r.zooKeeper(), false)));
        }
        for (var r : results) {
            if (r.firstError() != null) {
                b.append("\nnodes=").append(r.nodes()).append(": first error: ").append(r.firstError()).append('\n');
            }
            r.profile().ifPresent(p -> b.append("\nnodes=").append(r.nodes()).append(": scheduler profile (JFR) in ")
                    .append(p).append("; `jfr view hot-methods ").append(p).append("`\n"));
        }
        b.append("\nserver latency: Workload.created_at_ms (scheduler clock, when Run/CreateService was handled) to "
                + "started_at_ms (the hollow agent's clock when it reported RUNNING); client: from the moment the "
                + "bench sent the request. Durable placements/s: the rate at which workloads show a node in "
                + "Control.List (only committed ZooKeeper writes are listed), between 10 % and 90 % of the total.\n");
        return b.toString();
    }

    private static String fp(ScaleBench.Footprint f, boolean threads) {
        if (f.rssKiB() < 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.1f / %d MiB%s", f.cpuSeconds(), f.rssKiB() / 1024,
                threads ? " / " + f.threads() : "");
    }

    private static String ms(long ms) {
        if (ms < 0) {
            return "n/a";
        }
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
    }

    private static String rate(double r) {
        return r < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", r);
    }
}
