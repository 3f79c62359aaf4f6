package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cgroup v2 against fixture files laid out like /sys/fs/cgroup, plus /proc/PID/net/dev parsing. */
class CgroupStatsV2Test {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path root;

    private void cgroup(String path, String memoryMax, String pidsMax) throws IOException {
        Path dir = Files.createDirectories(root.resolve(path));
        Files.writeString(dir.resolve("cpu.stat"), """
                usage_usec 2500000
                user_usec 2000000
                system_usec 500000
                nr_periods 0
                nr_throttled 0
                throttled_usec 0
                """);
        Files.writeString(dir.resolve("memory.current"), "104857600\n");
        Files.writeString(dir.resolve("memory.stat"), """
                anon 52428800
                file 41943040
                kernel 1048576
                active_file 10485760
                inactive_file 31457280
                active_anon 52428800
                inactive_anon 0
                """);
        Files.writeString(dir.resolve("memory.max"), memoryMax + "\n");
        Files.writeString(dir.resolve("pids.current"), "7\n");
        Files.writeString(dir.resolve("pids.max"), pidsMax + "\n");
    }

    @Test
    void readsAllV2Files() throws IOException {
        cgroup("gantry/0123456789ab", "268435456", "100");
        CgroupSample s = new CgroupStats(CgroupStats.Version.V2, root, CLOCK).read("/gantry/0123456789ab");
        assertEquals(2_500_000_000L, s.cpuUsageNanos());
        assertEquals(104857600L, s.memoryUsageBytes());
        assertEquals(104857600L - 31457280L, s.workingSetBytes());
        assertEquals(52428800L, s.rssBytes());
        assertEquals(268435456L, s.memoryLimitBytes());
        assertEquals(7, s.pidsCurrent());
        assertEquals(100, s.pidsMax());
        assertEquals(CLOCK.instant(), s.sampledAt());
    }

    @Test
    void maxMeansUnlimited() throws IOException {
        cgroup("c", "max", "max");
        CgroupSample s = new CgroupStats(CgroupStats.Version.V2, root, CLOCK).read("c");
        assertEquals(0, s.memoryLimitBytes());
        assertEquals(-1, s.pidsMax());
    }

    @Test
    void missingPidsControllerIsNotAnError() throws IOException {
        cgroup("c", "max", "max");
        Files.delete(root.resolve("c/pids.current"));
        Files.delete(root.resolve("c/pids.max"));
        CgroupSample s = new CgroupStats(CgroupStats.Version.V2, root, CLOCK).read("c");
        assertEquals(-1, s.pidsCurrent());
    }

    @Test
    void goneCgroupIsNoSuchFileAndTraversalIsRejected() {
        var stats = new CgroupStats(CgroupStats.Version.V2, root, CLOCK);
        assertThrows(NoSuchFileException.class, () -> stats.read("/gantry/gone"));
        var e = assertThrows(IllegalArgumentException.class, () -> stats.read("/../etc"));
        assertEquals("invalid cgroup path '/../etc'", e.getMessage());
    }

    @Test
    void garbageInAFileIsAClearError() throws IOException {
        cgroup("c", "max", "max");
        Files.writeString(root.resolve("c/memory.current"), "lots\n");
        var e = assertThrows(IOException.class, () -> new CgroupStats(CgroupStats.Version.V2, root, CLOCK).read("c"));
        assertTrue(e.getMessage().startsWith("unexpected content in "), e.getMessage());
    }

    @Test
    void networkBytesSkipLoopback() throws IOException {
        Path net = Files.createDirectories(root.resolve("proc/4242/net"));
        Files.writeString(net.resolve("dev"), """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo: 9999999     100    0    0    0     0          0         0  9999999     100    0    0    0     0       0          0
                  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
                  eth1:     300       3    0    0    0     0          0         0       40       4    0    0    0     0       0          0
                """);
        assertEquals(new NetworkCounters(1300, 2040), CgroupStats.network(root.resolve("proc"), 4242));
        assertThrows(NoSuchFileException.class, () -> CgroupStats.network(root.resolve("proc"), 1));
    }

    @Test
    void realProcNetDevParses() throws IOException {
        NetworkCounters own = CgroupStats.network(Path.of("/proc"), ProcessHandle.current().pid());
        assertTrue(own.receiveBytes() >= 0 && own.transmitBytes() >= 0);
    }

    @Test
    void cpuPercentFromTwoSamples() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        var a = new CgroupSample(t0, 1_000_000_000L, 0, 0, 0, 0, 1, -1);
        var b = new CgroupSample(t0.plusSeconds(2), 4_000_000_000L, 0, 0, 0, 0, 1, -1);
        assertEquals(150.0, CpuUsage.percent(a, b), 1e-9);
        assertEquals(0.0, CpuUsage.percent(b, a)); // out of order
        assertEquals(0.0, CpuUsage.percent(a, a));
    }

    /** The host's real unified hierarchy, when it has the memory controller (not on this cgroup v1 hybrid host). */
    @Test
    void realUnifiedHierarchyWhenUsable() throws Exception {
        Path unified = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/unified");
        assumeTrue(Files.isReadable(unified.resolve("cgroup.controllers"))
                && List.of(Files.readString(unified.resolve("cgroup.controllers")).strip().split(" ")).contains("memory")
                && Files.isWritable(unified), "no writable cgroup v2 hierarchy with the memory controller");
        Path dir = unified.resolve("gantry-test-" + ProcessHandle.current().pid());
        Files.createDirectory(dir);
        Process p = new ProcessBuilder("/bin/busybox", "sleep", "30").start();
        try {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(p.pid()));
            CgroupSample s = new CgroupStats(CgroupStats.Version.V2, unified, Clock.systemUTC()).read(dir.getFileName().toString());
            assertTrue(s.memoryUsageBytes() > 0);
        } finally {
            p.destroyForcibly().waitFor();
            Files.delete(dir);
        }
    }
}
