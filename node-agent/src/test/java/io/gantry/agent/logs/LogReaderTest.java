package io.gantry.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
    private static long nanos(String t) {
        Instant i = Instant.parse(t);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static List<String> read(Path file, int tail, long since, long until, boolean follow) throws Exception {
        var lines = new ArrayList<String>();
        new LogReader(file).stream(tail, since, until, follow, () -> false, () -> false,
                batch -> batch.forEach(e -> lines.add(e.getLine().toStringUtf8())));
        return lines;
    }

    @Test
    void sinceUntilAndTailSelectAWindow(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ctr.log");
        Files.writeString(file, """
                2026-11-22T10:00:00Z stdout F one
                2026-11-22T10:01:00Z stdout F two
                2026-11-22T10:02:00Z stderr F three
                2026-11-22T10:03:00Z stdout F four
                """);
        assertEquals(List.of("one", "two", "three", "four"), read(file, -1, 0, 0, false));
        assertEquals(List.of("two", "three", "four"), read(file, -1, nanos("2026-11-22T10:01:00Z"), 0, false));
        assertEquals(List.of("one", "two", "three"), read(file, -1, 0, nanos("2026-11-22T10:02:30Z"), false));
        assertEquals(List.of("two", "three"), read(file, -1, nanos("2026-11-22T10:00:30Z"), nanos("2026-11-22T10:02:00Z"), false));
        assertEquals(List.of("three"), read(file, 1, 0, nanos("2026-11-22T10:02:30Z"), false), "tail counts within the window");
        // Following with an end in the past ends at once instead of waiting for the container.
        assertEquals(List.of("one"), read(file, -1, 0, nanos("2026-11-22T10:00:00Z"), true));
    }
}
