package io.gantry.ctl.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording of the scheduler spent its time, grouped by the innermost Gantry method on each
 * stack (what to change) next to the innermost method overall (what actually ran or blocked):
 * CPU samples, time blocked waiting (ZooKeeper replies, parks, socket reads), time waiting for monitors,
 * allocation, and GC pauses. {@code java -cp CP io.gantry.ctl.bench.JfrSummary FILE.jfr [TOP]}.
 */
public final class JfrSummary {
    private static final String OURS = "io.gantry.";

    private final Map<String, Long> cpuInclusive = new HashMap<>();
    private final Map<String, Long> cpuTop = new HashMap<>();
    private final Map<String, Long> blocked = new HashMap<>();
    private final Map<String, Long> contended = new HashMap<>();
    private final Map<String, Long> allocated = new HashMap<>();
    private long cpuSamples;
    private long gcPauseNanos;
    private int gcs;

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrSummary FILE.jfr [TOP]");
            System.exit(2);
        }
        read(Path.of(args[0])).print(System.out, args.length > 1 ? Integer.parseInt(args[1]) : 15);
    }

    public static JfrSummary read(Path file) throws IOException {
        JfrSummary s = new JfrSummary();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            s.accept(e);
        }
        return s;
    }

    private void accept(RecordedEvent e) {
        String type = e.getEventType().getName();
        switch (type) {
            case "jdk.ExecutionSample" -> {
                cpuSamples++;
                add(cpuInclusive, ours(e.getStackTrace()), 1);
                add(cpuTop, top(e.getStackTrace()), 1);
            }
            case "jdk.JavaMonitorWait", "jdk.ThreadPark", "jdk.SocketRead", "jdk.FileForce", "jdk.ThreadSleep" -> {
                String site = ours(e.getStackTrace());
                if (!site.equals("(no gantry frame)")) {
                    add(blocked, site + "  <- " + top(e.getStackTrace()), e.getDuration().toNanos());
                }
            }
            case "jdk.JavaMonitorEnter" -> add(contended, ours(e.getStackTrace()), e.getDuration().toNanos());
            case "jdk.ObjectAllocationSample" -> add(allocated, ours(e.getStackTrace()) + "  (" +
                    e.getClass("objectClass").getName() + ")", e.getLong("weight"));
            case "jdk.GarbageCollection" -> {
                gcs++;
                gcPauseNanos += e.getDuration("sumOfPauses").toNanos();
            }
            default -> {
            }
        }
    }

    private static void add(Map<String, Long> m, String key, long v) {
        m.merge(key, v, Long::sum);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName().replaceFirst("^.*\\.", "") + "." + f.getMethod().getName();
    }

    private static String top(RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "(no stack)";
        }
        return name(st.getFrames().getFirst());
    }

    /** The innermost frame in Gantry's own code: the call site Gantry controls. */
    private static String ours(RecordedStackTrace st) {
        if (st == null) {
            return "(no stack)";
        }
        for (RecordedFrame f : st.getFrames()) {
            if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith(OURS)
                    && !f.getMethod().getType().getName().startsWith("io.gantry.proto.")) {
                return name(f);
            }
        }
        return "(no gantry frame)";
    }

    public void print(PrintStream out, int topN) {
        out.printf(Locale.ROOT, "CPU samples: %d; GC: %d collections, %d ms paused%n", cpuSamples, gcs, gcPauseNanos / 1_000_000);
        table(out, "CPU by innermost Gantry method (inclusive samples)", cpuInclusive, topN, v -> pct(v, cpuSamples));
        table(out, "CPU by innermost method (self samples)", cpuTop, topN, v -> pct(v, cpuSamples));
        table(out, "Blocked (waits, parks, socket reads, fsync; summed over threads) by Gantry call site <- blocking method",
                blocked, topN, JfrSummary::ms);
        table(out, "Waiting to enter a monitor, by Gantry call site", contended, topN, JfrSummary::ms);
        table(out, "Allocation (sampled weight) by Gantry call site", allocated, topN, v -> (v >> 20) + " MiB");
    }

    private static String pct(long v, long total) {
        return String.format(Locale.ROOT, "%d (%.1f%%)", v, total == 0 ? 0 : 100.0 * v / total);
    }

    private static String ms(long nanos) {
        return Duration.ofNanos(nanos).toMillis() + " ms";
    }

    private static void table(PrintStream out, String title, Map<String, Long> m, int topN,
                              java.util.function.LongFunction<String> format) {
        out.println();
        out.println(title + ":");
        List<Map.Entry<String, Long>> rows = m.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(topN).toList();
        for (var r : rows) {
            out.printf(Locale.ROOT, "  %14s  %s%n", format.apply(r.getValue()), r.getKey());
        }
    }
}
