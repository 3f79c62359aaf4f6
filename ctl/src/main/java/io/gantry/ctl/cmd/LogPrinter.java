package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.LogEntry;
import io.gantry.proto.LogsRequest;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;

/** Writes a container's log entries to this process's stdout and stderr, as Docker does. */
final class LogPrinter {
    private LogPrinter() {
    }

    static void stream(SchedulerClient client, String ref, boolean follow, int tail, boolean timestamps) {
        stream(client, LogsRequest.newBuilder().setRef(ref).setFollow(follow).setTail(tail).build(), timestamps);
    }

    static void stream(SchedulerClient client, LogsRequest request, boolean timestamps) {
        // Pull the first entry inside call() so that a leader redirect is followed.
        record Started(Iterator<LogEntry> rest, LogEntry first) { }
        Started started = client.call(s -> {
            Iterator<LogEntry> it = s.logs(request);
            return new Started(it, it.hasNext() ? it.next() : null);
        });
        if (started.first() == null) {
            return;
        }
        print(started.first(), timestamps);
        while (started.rest().hasNext()) {
            print(started.rest().next(), timestamps);
        }
        System.out.flush();
        System.err.flush();
    }

    private static void print(LogEntry e, boolean timestamps) {
        PrintStream to = e.getStream() == LogEntry.Stream.STDERR ? System.err : System.out;
        if (timestamps) {
            long n = e.getTimestampNanos();
            to.print(Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L) + " ");
        }
        to.write(e.getLine().toByteArray(), 0, e.getLine().size());
        if (!e.getPartial()) {
            to.write('\n');
        }
        to.flush();
    }
}
