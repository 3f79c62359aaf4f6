package io.gantry.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogRotator} against a fake conmon that replaces the file as the real one does, and reading across it. */
class LogRotationTest {
    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve("ctr.log");
    }

    private void write(String... lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append("2026-11-22T10:00:00.000000000Z stdout F ").append(l).append('\n');
        }
        Files.writeString(log(), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** What conmon's reopen does: a new empty file renamed over the old name. */
    private void conmonReopens() throws IOException {
        Path tmp = dir.resolve("ctr.log.tmp");
        Files.write(tmp, new byte[0]);
        Files.move(tmp, log(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> lines(List<LogEntry> entries) {
        return entries.stream().map(e -> e.getLine().toStringUtf8()).toList();
    }

    @Test
    void replacedFilesAreShiftedInAndOnlyMaxFileAreKept() throws Exception {
        LogRotator rotator = new LogRotator(log(), dir.resolve("ctl"), new LogOptions(100, 3));
        for (int round = 0; round < 5; round++) {
            write("r" + round + "-a", "r" + round + "-b");
            rotator.check(false); // links the held copy
            conmonReopens();
            rotator.check(false); // shifts it in
        }
        write("live");
        rotator.check(false);
        assertEquals(List.of(LogFiles.rotated(log(), 2), LogFiles.rotated(log(), 1)), LogFiles.rotatedOldestFirst(log()));
        assertEquals(List.of("r3-a", "r3-b", "r4-a", "r4-b", "live"), lines(new LogReader(log()).tail(-1)),
                "the two newest rotated files and the live one, in order");
        assertEquals(List.of("r4-b", "live"), lines(new LogReader(log()).tail(2)));
    }

    @Test
    void withOneFileTheOldContentIsDropped() throws Exception {
        LogRotator rotator = new LogRotator(log(), dir.resolve("ctl"), new LogOptions(100, 1));
        write("old");
        rotator.check(false);
        conmonReopens();
        write("new");
        rotator.check(false);
        assertEquals(List.of(), LogFiles.rotatedOldestFirst(log()));
        assertEquals(List.of("new"), lines(new LogReader(log()).tail(-1)));
    }

    @Test
    void aReplacementNotYetShiftedInIsStillRead() throws Exception {
        LogRotator rotator = new LogRotator(log(), dir.resolve("ctl"), new LogOptions(100, 2));
        write("one");
        rotator.check(false);
        conmonReopens();
        write("two");
        assertEquals(List.of("one", "two"), lines(new LogReader(log()).tail(-1)), "the held file comes before the live one");
    }

    @Test
    void anOversizedFileMakesTheAgentAskConmonToReopen() throws Exception {
        Path ctl = dir.resolve("ctl");
        assertEquals(0, new ProcessBuilder("mkfifo", ctl.toString()).start().waitFor());
        write("x".repeat(200));
        // conmon would read the fifo; here a reader thread plays its part.
        List<String> got = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = Files.newInputStream(ctl)) {
                got.add(new String(in.readNBytes(6)));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        LogRotator rotator = new LogRotator(log(), ctl, new LogOptions(100, 2));
        rotator.check(true);
        reader.join(5000);
        assertEquals(List.of("2 0 0\n"), got, "conmon's REOPEN_LOGS_EVENT");
        // Asked once per file; and with nobody reading (conmon gone) a message is dropped, nothing blocks.
        rotator.check(true);
        new LogRotator(log(), ctl, new LogOptions(100, 2)).check(true);
    }

    @Test
    void followingReadsOnAcrossARotation() throws Exception {
        LogRotator rotator = new LogRotator(log(), dir.resolve("ctl"), new LogOptions(100, 3));
        write("before");
        rotator.check(false);
        AtomicBoolean active = new AtomicBoolean(true);
        List<LogEntry> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                new LogReader(log()).stream(-1, true, active::get, () -> false, got::addAll);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(150);
        write("late-in-old");
        conmonReopens();
        write("in-new");
        Thread.sleep(150);
        rotator.check(false);
        write("more");
        Thread.sleep(150);
        active.set(false);
        follower.join(5000);
        assertFalse(follower.isAlive());
        assertEquals(List.of("before", "late-in-old", "in-new", "more"), lines(got));
        assertTrue(Files.exists(LogFiles.rotated(log(), 1)));
    }
}
