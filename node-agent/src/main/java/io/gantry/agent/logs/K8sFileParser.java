package io.gantry.agent.logs;

import com.google.protobuf.ByteString;
import io.gantry.proto.LogEntry;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses one line of conmon's k8s-file log format:
 * {@code <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>}; P marks a partial line.
 */
public final class K8sFileParser {
    private K8sFileParser() {
    }

    /** {@code line} without its trailing newline; empty when it is not a k8s-file record. */
    public static Optional<LogEntry> parse(byte[] line, int from, int to) {
        int s1 = indexOf(line, from, to, (byte) ' ');
        if (s1 < 0) {
            return Optional.empty();
        }
        int s2 = indexOf(line, s1 + 1, to, (byte) ' ');
        if (s2 < 0) {
            return Optional.empty();
        }
        int s3 = indexOf(line, s2 + 1, to, (byte) ' ');
        int tagEnd = s3 < 0 ? to : s3;
        String ts = new String(line, from, s1 - from, StandardCharsets.US_ASCII);
        String stream = new String(line, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
        String tag = new String(line, s2 + 1, tagEnd - s2 - 1, StandardCharsets.US_ASCII);
        LogEntry.Stream st;
        switch (stream) {
            case "stdout" -> st = LogEntry.Stream.STDOUT;
            case "stderr" -> st = LogEntry.Stream.STDERR;
            default -> {
                return Optional.empty();
            }
        }
        long nanos;
        try {
            OffsetDateTime t = OffsetDateTime.parse(ts);
            nanos = t.toEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        boolean partial = tag.split(":")[0].equals("P");
        ByteString content = s3 < 0 ? ByteString.EMPTY : ByteString.copyFrom(line, s3 + 1, to - s3 - 1);
        return Optional.of(LogEntry.newBuilder()
                .setTimestampNanos(nanos)
                .setStream(st)
                .setLine(content)
                .setPartial(partial)
                .build());
    }

    public static Optional<LogEntry> parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return parse(b, 0, b.length);
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
