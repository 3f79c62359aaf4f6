package io.gantry.agent.logs;

import io.gantry.proto.LogEntry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Reads a container's k8s-file log: the last N entries, and optionally follows it until the container is done. */
public final class LogReader {
    public static final long POLL_MILLIS = 25;
    private static final int BATCH = 256;
    private static final long BATCH_BYTES = 1 << 20;
    private static final int MAX_READ = 4 * 1024 * 1024;

    private final Path file;
    private long offset;

    public LogReader(Path file) {
        this.file = file;
    }

    /** The last {@code tail} entries ({@code -1}: all) of what is in the file now. */
    public List<LogEntry> tail(int tail) throws IOException {
        return tail(tail, e -> true);
    }

    /** The last {@code tail} entries that {@code keep} accepts. */
    public List<LogEntry> tail(int tail, java.util.function.Predicate<LogEntry> keep) throws IOException {
        // Reads the file in bounded chunks, keeping only the last `tail` entries in memory.
        Deque<LogEntry> kept = new ArrayDeque<>();
        List<LogEntry> chunk;
        while (!(chunk = readNew()).isEmpty()) {
            for (LogEntry e : chunk) {
                if (!keep.test(e)) {
                    continue;
                }
                kept.addLast(e);
                if (tail >= 0 && kept.size() > tail) {
                    kept.removeFirst();
                }
            }
        }
        return new ArrayList<>(kept);
    }

    /**
     * Sends the last {@code tail} entries, then, when {@code follow}, keeps sending new ones in
     * batches until {@code active} turns false and the file is drained, or {@code cancelled} turns true.
     */
    public void stream(int tail, boolean follow, BooleanSupplier active, BooleanSupplier cancelled,
                       Consumer<List<LogEntry>> sink) throws IOException, InterruptedException {
        stream(tail, 0, 0, follow, active, cancelled, sink);
    }

    /**
     * As above, keeping only entries stamped in [{@code sinceNanos}, {@code untilNanos}] (0: unbounded). With an
     * end, following stops at the first entry past it.
     */
    public void stream(int tail, long sinceNanos, long untilNanos, boolean follow, BooleanSupplier active,
                       BooleanSupplier cancelled, Consumer<List<LogEntry>> sink) throws IOException, InterruptedException {
        java.util.function.Predicate<LogEntry> inWindow = e -> e.getTimestampNanos() >= sinceNanos
                && (untilNanos <= 0 || e.getTimestampNanos() <= untilNanos);
        emit(tail(tail, inWindow), sink);
        if (!follow) {
            return;
        }
        while (!cancelled.getAsBoolean()) {
            boolean wasActive = active.getAsBoolean();
            List<LogEntry> read = readNew();
            List<LogEntry> fresh = read.stream().filter(inWindow).toList();
            emit(fresh, sink);
            if (untilNanos > 0 && fresh.size() < read.size() && read.getLast().getTimestampNanos() > untilNanos) {
                return; // past the end asked for
            }
            if (read.isEmpty() && untilNanos > 0 && System.currentTimeMillis() * 1_000_000L > untilNanos) {
                return;
            }
            if (read.isEmpty()) {
                if (!wasActive) {
                    return; // checked before the last read: nothing can follow
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /** Batches of at most BATCH entries and about BATCH_BYTES, well below gRPC's 4 MiB message limit. */
    private static void emit(List<LogEntry> entries, Consumer<List<LogEntry>> sink) {
        int from = 0;
        long bytes = 0;
        for (int i = 0; i < entries.size(); i++) {
            bytes += entries.get(i).getLine().size() + 16;
            if (i + 1 - from >= BATCH || bytes >= BATCH_BYTES) {
                sink.accept(entries.subList(from, i + 1));
                from = i + 1;
                bytes = 0;
            }
        }
        if (from < entries.size()) {
            sink.accept(entries.subList(from, entries.size()));
        }
    }

    /** Complete lines after the last read; a line still being written is left for the next call. */
    List<LogEntry> readNew() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        byte[] data;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len < offset) {
                offset = 0; // truncated or rotated
            }
            if (len == offset) {
                return List.of();
            }
            data = new byte[(int) Math.min(len - offset, MAX_READ)];
            raf.seek(offset);
            raf.readFully(data);
        }
        Deque<LogEntry> out = new ArrayDeque<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                K8sFileParser.parse(data, start, i).ifPresent(out::add);
                start = i + 1;
            }
        }
        if (start == 0 && data.length == MAX_READ) {
            start = data.length; // one "line" longer than a whole read: conmon never writes those; skip it
        }
        offset += start;
        return new ArrayList<>(out);
    }
}
