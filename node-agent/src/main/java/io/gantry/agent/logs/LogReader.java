package io.gantry.agent.logs;

import io.gantry.proto.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a container's k8s-file log: the last N entries, and optionally follows it until the container is done.
 * Reads the rotated files ({@link LogFiles}) first, oldest first, and follows the live file across rotations.
 */
public final class LogReader implements AutoCloseable {
    public static final long POLL_MILLIS = 25;
    private static final int BATCH = 256;
    private static final long BATCH_BYTES = 1 << 20;
    private static final int MAX_READ = 4 * 1024 * 1024;

    private final Path file;
    /** Rotated files not yet drained, oldest first. */
    private final Deque<Source> older = new ArrayDeque<>();
    private Source current;
    private boolean opened;

    public LogReader(Path file) {
        this.file = file;
    }

    /** The last {@code tail} entries ({@code -1}: all) of what is in the log now; closes the reader. */
    public List<LogEntry> tail(int tail) throws IOException {
        try {
            return tail(tail, e -> true);
        } finally {
            close();
        }
    }

    /** The last {@code tail} entries that {@code keep} accepts; the reader stays open for {@link #readNew()}. */
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
        try {
            streamOpen(tail, sinceNanos, untilNanos, follow, active, cancelled, sink);
        } finally {
            close();
        }
    }

    private void streamOpen(int tail, long sinceNanos, long untilNanos, boolean follow, BooleanSupplier active,
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

    /** Complete lines after the last read, across rotations; a line still being written is left for the next call. */
    List<LogEntry> readNew() throws IOException {
        if (!opened) {
            openAll();
            opened = true;
        }
        while (!older.isEmpty()) {
            List<LogEntry> got = read(older.peekFirst());
            if (!got.isEmpty()) {
                return got;
            }
            older.removeFirst().close(); // a rotated file is complete: drained
        }
        if (current == null) {
            current = Source.open(file);
            if (current == null) {
                return List.of();
            }
        }
        Object pathKey = LogFiles.key(file); // before the read: a rotation after it is seen next time
        List<LogEntry> got = read(current);
        if (!got.isEmpty() || pathKey == null || pathKey.equals(current.key)) {
            return got;
        }
        // Rotated away and drained: conmon writes only to the new file now.
        current.close();
        current = Source.open(file);
        return current == null ? List.of() : read(current);
    }

    /** The live file first (so a rotation meanwhile shows as a duplicate, dropped), then the rotated ones, oldest first. */
    private void openAll() throws IOException {
        current = Source.open(file);
        Set<Object> seen = new HashSet<>();
        if (current != null) {
            seen.add(current.key);
        }
        List<Path> rotated = new ArrayList<>(LogFiles.rotatedOldestFirst(file));
        rotated.add(LogFiles.held(file)); // newer than every numbered one; usually the live file itself
        for (Path p : rotated) {
            Source s = Source.open(p);
            if (s != null && seen.add(s.key)) {
                older.addLast(s);
            } else if (s != null) {
                s.close();
            }
        }
    }

    /** The next complete lines of one file (skipping past lines that are not k8s-file records). */
    private static List<LogEntry> read(Source s) throws IOException {
        while (true) {
            long len = s.channel.size();
            if (len < s.offset) {
                s.offset = 0; // truncated in place
            }
            if (len == s.offset) {
                return List.of();
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(len - s.offset, MAX_READ));
            long pos = s.offset;
            while (buf.hasRemaining()) {
                int n = s.channel.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            byte[] data = buf.array();
            int length = buf.position();
            List<LogEntry> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < length; i++) {
                if (data[i] == '\n') {
                    K8sFileParser.parse(data, start, i).ifPresent(out::add);
                    start = i + 1;
                }
            }
            if (start == 0 && length == MAX_READ) {
                start = length; // one "line" longer than a whole read: conmon never writes those; skip it
            }
            s.offset += start;
            if (!out.isEmpty() || start == 0) {
                return out;
            }
        }
    }

    @Override
    public void close() {
        for (Source s : older) {
            s.close();
        }
        older.clear();
        if (current != null) {
            current.close();
            current = null;
        }
        opened = false;
    }

    /** One open log file, identified by its inode: it stays readable when renamed or deleted. */
    private static final class Source {
        final FileChannel channel;
        final Object key;
        long offset;

        private Source(FileChannel channel, Object key) {
            this.channel = channel;
            this.key = key;
        }

        /** Null when it does not exist. Its key is checked around the open, so it names what was opened. */
        static Source open(Path p) throws IOException {
            for (int attempt = 0; attempt < 5; attempt++) {
                Object before = LogFiles.key(p);
                if (before == null) {
                    return null;
                }
                FileChannel ch;
                try {
                    ch = FileChannel.open(p, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (before.equals(LogFiles.key(p))) {
                    return new Source(ch, before);
                }
                ch.close(); // replaced between the stat and the open: again
            }
            return null;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to lose
            }
        }
    }
}
