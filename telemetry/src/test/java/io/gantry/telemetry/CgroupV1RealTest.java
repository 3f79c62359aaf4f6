package io.gantry.telemetry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cgroup v1 against real cgroups: a busy process holding ~24 MiB of anonymous memory in
 * /sys/fs/cgroup/{cpu,cpuacct,memory,pids}/gantry-test-XXXX. Needs root and a v1 hierarchy.
 */
class CgroupV1RealTest {
    private static final Path SYS = Path.of("/sys/fs/cgroup");
    private static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "memory", "pids");
    private static final long LIMIT = 128L << 20;
    private static String name;
    private static final List<Path> created = new ArrayList<>();
    private static Process process;

    @BeforeAll
    static void createCgroupWithABusyProcess() throws Exception {
        assumeTrue(Files.isDirectory(SYS.resolve("memory")) && Files.isWritable(SYS.resolve("memory"))
                && !Files.exists(SYS.resolve("cgroup.controllers")), "needs root on a cgroup v1 host");
        name = "gantry-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        for (String controller : CONTROLLERS) {
            created.add(Files.createDirectory(SYS.resolve(controller).resolve(name)));
        }
        Files.writeString(SYS.resolve("memory").resolve(name).resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
        Files.writeString(SYS.resolve("pids").resolve(name).resolve("pids.max"), "50");
        // Waits for a line on stdin (so it is inside the cgroup before allocating), then fills a 24 MiB shell
        // variable (anonymous memory) and spins.
        process = new ProcessBuilder("/bin/busybox", "sh", "-c",
                "read go; x=$(/bin/busybox head -c 25165824 /dev/zero | /bin/busybox tr '\\0' a); "
                        + "while :; do :; done")
                .redirectErrorStream(true).start();
        for (String controller : CONTROLLERS) {
            Files.writeString(SYS.resolve(controller).resolve(name).resolve("cgroup.procs"), Long.toString(process.pid()));
        }
        process.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
        for (Path dir : created) {
            // rmdir succeeds once the killed tasks are gone from the cgroup.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                Files.delete(dir);
                return true;
            });
        }
    }

    private static CgroupStats stats() {
        return new CgroupStats(CgroupStats.Version.V1, SYS, Clock.systemUTC());
    }

    @Test
    void readsCpuMemoryAndPidsOfARealCgroup() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            CgroupSample s = stats().read("/" + name);
            assertTrue(s.rssBytes() > 20L << 20, "rss " + s.rssBytes());
            assertTrue(s.workingSetBytes() >= s.rssBytes() / 2 && s.workingSetBytes() <= s.memoryUsageBytes(),
                    "working set " + s.workingSetBytes() + " usage " + s.memoryUsageBytes());
            assertTrue(s.cpuUsageNanos() > 50_000_000L, "cpu " + s.cpuUsageNanos());
        });
        CgroupSample a = stats().read(name);
        Thread.sleep(500);
        CgroupSample b = stats().read(name);
        assertEquals(LIMIT, b.memoryLimitBytes());
        assertEquals(50, b.pidsMax());
        assertTrue(b.pidsCurrent() >= 1, "pids " + b.pidsCurrent());
        double percent = CpuUsage.percent(a, b);
        assertTrue(percent > 20 && percent < 250, "a spinning shell uses about one core, got " + percent + "%");
    }

    @Test
    void unlimitedV1MemoryReadsAsZero() throws IOException {
        // The parent of our cgroup (the hierarchy root) has no limit: LONG_MAX rounded to a page.
        Path parentLimit = SYS.resolve("memory/memory.limit_in_bytes");
        assumeTrue(Long.parseLong(Files.readString(parentLimit).strip()) > (1L << 62));
        Path sub = Files.createDirectory(SYS.resolve("memory").resolve(name + "-nolimit"));
        Path cpu = Files.createDirectory(SYS.resolve("cpuacct").resolve(name + "-nolimit"));
        try {
            assertEquals(0, stats().read(name + "-nolimit").memoryLimitBytes());
        } finally {
            Files.delete(sub);
            Files.delete(cpu);
        }
    }

    /** The cAdvisor-named collector over the real cgroup; the series vanish when the container leaves the list. */
    @Test
    void collectorPublishesAndDropsContainers() {
        var containers = new CopyOnWriteArrayList<ContainerDescriptor>();
        containers.add(new ContainerDescriptor("0123456789ab", "web.1", "busybox:latest", "node-a", "web",
                "/" + name, process.pid(), Instant.ofEpochSecond(1_700_000_000L), 0));
        containers.add(new ContainerDescriptor("ba9876543210", "ghost", "busybox", "node-a", "",
                "/gantry-test-does-not-exist", 0, Instant.EPOCH, 0));
        try (var telemetry = TelemetryRegistry.create("agent", "node-a", false)) {
            new AgentMetrics(telemetry.registry()).registerContainerCollector(() -> List.copyOf(containers), stats());
            String labels = "{image=\"busybox:latest\",name=\"web.1\",node=\"node-a\",service=\"web\"}";
            String s = telemetry.registry().scrape();
            assertTrue(Scrapes.value(s, "container_cpu_usage_seconds_total" + labels) > 0, s);
            assertTrue(Scrapes.value(s, "container_memory_working_set_bytes" + labels) > 0);
            assertTrue(Scrapes.value(s, "container_memory_rss" + labels) > 0);
            assertEquals(LIMIT, Scrapes.value(s, "container_spec_memory_limit_bytes" + labels));
            assertEquals(1_700_000_000.0, Scrapes.value(s, "container_start_time_seconds" + labels));
            assertTrue(Scrapes.value(s, "container_network_receive_bytes_total" + labels) >= 0);
            assertTrue(Scrapes.value(s, "container_network_transmit_bytes_total" + labels) >= 0);
            assertTrue(Scrapes.value(s, "container_tasks" + labels) >= 1);
            assertFalse(s.contains("ghost"), "a container without a cgroup is left out");

            containers.clear();
            String after = telemetry.registry().scrape();
            assertFalse(Scrapes.sampleNames(after).stream().anyMatch(n -> n.startsWith("container_")), "removed containers leave no series:\n" + after);
        }
    }
}
