package io.gantry.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.LogEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class K8sFileParserTest {
    @TempDir
    Path dir;

    @Test
    void parsesFullAndPartialLines() {
        LogEntry e = K8sFileParser.parse("2026-11-22T11:43:14.160648470+00:00 stdout F hello world").orElseThrow();
        assertEquals(LogEntry.Stream.STDOUT, e.getStream());
        assertEquals("hello world", e.getLine().toStringUtf8());
        assertFalse(e.getPartial());
        assertEquals(1_795_347_794_160_648_470L, e.getTimestampNanos());

        LogEntry p = K8sFileParser.parse("2026-11-22T12:43:14.000000001+01:00 stderr P part").orElseThrow();
        assertEquals(LogEntry.Stream.STDERR, p.getStream());
        assertTrue(p.getPartial());
        assertEquals(1_795_347_794_000_000_001L, p.getTimestampNanos());

        assertEquals("", K8sFileParser.parse("2026-11-22T11:43:14.1Z stdout F ").orElseThrow().getLine().toStringUtf8());
        assertEquals("", K8sFileParser.parse("2026-11-22T11:43:14.1Z stdout F").orElseThrow().getLine().toStringUtf8());
        assertEquals("  spaced  ", K8sFileParser.parse("2026-11-22T11:43:14Z stdout F   spaced  ").orElseThrow().getLine().toStringUtf8());
        assertTrue(K8sFileParser.parse("garbage").isEmpty());
        assertTrue(K8sFileParser.parse("notatime stdout F x").isEmpty());
        assertTrue(K8sFileParser.parse("2026-11-22T11:43:14Z stdin F x").isEmpty());
    }

    @Test
    void keepsNonUtf8Bytes() {
        byte[] line = "2026-11-22T11:43:14Z stdout F \u00ff".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals((byte) 0xff, K8sFileParser.parse(line, 0, line.length).orElseThrow().getLine().byteAt(0));
    }

    @Test
    void tailAndFollow() throws Exception {
        Path log = dir.resolve("ctr.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append("2026-11-22T11:43:1").append(i).append("Z stdout F line").append(i).append('\n');
        }
        sb.append("2026-11-22T11:43:19Z stdout F incompl"); // no newline yet: not returned
        Files.writeString(log, sb);
        assertEquals(List.of("line3", "line4"), lines(new LogReader(log).tail(2)));
        assertEquals(5, new LogReader(log).tail(-1).size());
        assertEquals(0, new LogReader(log).tail(0).size());

        AtomicBoolean active = new AtomicBoolean(true);
        List<LogEntry> got = new ArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                new LogReader(log).stream(1, true, active::get, () -> false, got::addAll);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(250);
        Files.writeString(log, "ete\n2026-11-22T11:43:20Z stderr F last\n", StandardOpenOption.APPEND);
        Thread.sleep(250);
        active.set(false);
        follower.join(5000);
        assertFalse(follower.isAlive());
        assertEquals(List.of("line4", "incomplete", "last"), lines(got));
    }

    @Test
    void missingFileIsEmpty() throws Exception {
        assertTrue(new LogReader(dir.resolve("none")).tail(-1).isEmpty());
    }

    private static List<String> lines(List<LogEntry> entries) {
        return entries.stream().map(e -> e.getLine().toStringUtf8()).toList();
    }

    @Test
    void largeLogsComeInBoundedBatches() throws Exception {
        Path log = dir.resolve("big.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sb.append("2026-11-22T11:43:14Z stdout F ").append("x".repeat(100)).append(i).append('\n');
        }
        Files.writeString(log, sb);
        List<Integer> sizes = new ArrayList<>();
        List<LogEntry> all = new ArrayList<>();
        new LogReader(log).stream(-1, false, () -> false, () -> false, batch -> {
            sizes.add(batch.size());
            all.addAll(batch);
        });
        assertEquals(1000, all.size());
        assertTrue(sizes.stream().allMatch(n -> n <= 256), sizes.toString());
        assertTrue(all.getLast().getLine().toStringUtf8().endsWith("999"));
        assertEquals(List.of("x".repeat(100) + "998", "x".repeat(100) + "999"), lines(new LogReader(log).tail(2)));
    }
}
