package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.DockerUnits;
import io.gantry.ctl.cli.StatsCalculator;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.StatsSample;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latest two samples of every container {@code stats} hears about (CPU % needs two), and Docker's table of
 * them. A container that stopped sending (it stopped) leaves the table after {@link #STALE}.
 */
final class StatsBoard {
    static final Duration STALE = Duration.ofSeconds(3);

    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private static final class Entry {
        StatsSample previous;
        StatsSample current;
        int samples;
        Instant seen;
    }

    StatsBoard(Clock clock) {
        this.clock = clock;
    }

    synchronized void add(StatsSample s) {
        Entry e = entries.computeIfAbsent(s.getWorkloadId(), id -> new Entry());
        e.previous = e.current;
        e.current = s;
        e.samples++;
        e.seen = clock.instant();
    }

    synchronized int samples(String workloadId) {
        Entry e = entries.get(workloadId);
        return e == null ? 0 : e.samples;
    }

    /** Forgets containers not heard of for a while (stopped or removed). */
    synchronized void dropStale() {
        Instant limit = clock.instant().minus(STALE);
        entries.values().removeIf(e -> e.seen.isBefore(limit));
    }

    synchronized String render() {
        Table t = new Table("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS", "NODE");
        entries.values().stream()
                .sorted(Comparator.comparing((Entry e) -> e.current.getNode()).thenComparing(e -> e.current.getName()))
                .forEach(e -> {
                    StatsSample s = e.current;
                    String id = s.getWorkloadId().length() > 12 ? s.getWorkloadId().substring(0, 12) : s.getWorkloadId();
                    t.row(id, s.getName().isEmpty() ? "--" : s.getName(),
                            StatsCalculator.percent(StatsCalculator.cpuPercent(e.previous, s)),
                            DockerUnits.binary(s.getMemoryUsageBytes()) + " / " + DockerUnits.binary(s.getMemoryLimitBytes()),
                            StatsCalculator.percent(StatsCalculator.memoryPercent(s)),
                            DockerUnits.decimal(s.getNetRxBytes()) + " / " + DockerUnits.decimal(s.getNetTxBytes()),
                            DockerUnits.decimal(s.getBlockReadBytes()) + " / " + DockerUnits.decimal(s.getBlockWriteBytes()),
                            String.valueOf(s.getPids()), s.getNode().isEmpty() ? "-" : s.getNode());
                });
        return t.render();
    }
}
