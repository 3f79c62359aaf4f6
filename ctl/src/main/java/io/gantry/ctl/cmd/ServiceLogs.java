package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;
import io.gantry.proto.Service;
import io.gantry.proto.Workload;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The logs of all of a service's replicas, each line prefixed Docker's way
 * ({@code web.1.0123456789ab@node1    | line}). All replicas are read at once; without
 * follow the lines are merged by time, with follow they are printed as they come.
 */
final class ServiceLogs {
    /** One replica to read: its container id and the prefix its lines carry. */
    record Source(String workloadId, String label, String prefix) {
    }

    /** One whole line (partial entries joined). */
    record Line(long timestampNanos, boolean stderr, String prefix, String text) {
    }

    private final SchedulerClient client;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean follow;
    private final int tail;
    private final boolean timestamps;

    ServiceLogs(SchedulerClient client, PrintWriter out, PrintWriter err, boolean follow, int tail, boolean timestamps) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.follow = follow;
        this.tail = tail;
        this.timestamps = timestamps;
    }

    /** Prefixes {@code name.slot.id@node}, padded to one width so that the bars line up. */
    static List<Source> sources(Service service, List<Workload> replicas) {
        List<String> names = new ArrayList<>();
        for (Workload w : replicas) {
            names.add(ServicePsCommand.replicaName(service, w) + "." + w.getId() + "@" + (w.getNode().isEmpty() ? "-" : w.getNode()));
        }
        int width = names.stream().mapToInt(String::length).max().orElse(0);
        List<Source> out = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            String n = names.get(i);
            out.add(new Source(replicas.get(i).getId(), n, n + " ".repeat(width - n.length()) + "    | "));
        }
        return out;
    }

    /** Reads every source; returns how many could not be read (each reported on err). */
    int run(List<Source> sources) {
        List<String> errors = new ArrayList<>();
        List<List<Line>> collected = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Source source : sources) {
                List<Line> lines = new ArrayList<>();
                collected.add(lines);
                Consumer<Line> sink = follow ? this::print : lines::add;
                pool.submit(() -> {
                    try {
                        read(source, sink);
                    } catch (StatusRuntimeException e) {
                        synchronized (errors) {
                            errors.add(source.label() + ": " + SchedulerClient.describe(e));
                        }
                    }
                });
            }
        }
        if (!follow) {
            List<Line> merged = new ArrayList<>();
            collected.forEach(merged::addAll);
            merged.sort(Comparator.comparingLong(Line::timestampNanos)); // stable: one replica's order is kept
            merged.forEach(this::print);
        }
        for (String e : errors) {
            err.println("gantry: " + e);
        }
        out.flush();
        err.flush();
        return errors.size();
    }

    private void read(Source source, Consumer<Line> sink) {
        LogsRequest request = LogsRequest.newBuilder().setRef(source.workloadId()).setFollow(follow).setTail(tail).build();
        record Started(Iterator<LogEntry> rest, LogEntry first) {
        }
        // the first entry is pulled inside call() so that a leader redirect is followed
        Started started = client.call(s -> {
            Iterator<LogEntry> it = s.logs(request);
            return new Started(it, it.hasNext() ? it.next() : null);
        });
        if (started.first() == null) {
            return;
        }
        LineJoiner joiner = new LineJoiner(source.prefix(), sink);
        joiner.accept(started.first());
        while (started.rest().hasNext()) {
            joiner.accept(started.rest().next());
        }
        joiner.finish();
    }

    private synchronized void print(Line line) {
        PrintWriter to = line.stderr() ? err : out;
        StringBuilder b = new StringBuilder();
        if (timestamps) {
            long n = line.timestampNanos();
            b.append(Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L)).append(' ');
        }
        b.append(line.prefix()).append(line.text());
        to.println(b);
        if (follow) {
            to.flush();
        }
    }

    /** Joins partial entries into whole lines, so that replicas never interleave mid-line. */
    private static final class LineJoiner {
        private final String prefix;
        private final Consumer<Line> sink;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private long pendingSince;
        private boolean pendingStderr;
        private boolean open;

        LineJoiner(String prefix, Consumer<Line> sink) {
            this.prefix = prefix;
            this.sink = sink;
        }

        void accept(LogEntry e) {
            if (!open) {
                open = true;
                pendingSince = e.getTimestampNanos();
                pendingStderr = e.getStream() == LogEntry.Stream.STDERR;
            }
            pending.writeBytes(e.getLine().toByteArray());
            if (!e.getPartial()) {
                finish();
            }
        }

        void finish() {
            if (!open) {
                return;
            }
            sink.accept(new Line(pendingSince, pendingStderr, prefix, pending.toString(StandardCharsets.UTF_8)));
            pending.reset();
            open = false;
        }
    }
}
