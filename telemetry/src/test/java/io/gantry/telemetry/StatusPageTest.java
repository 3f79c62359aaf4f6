package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gantry.telemetry.StatusSnapshot.EventEntry;
import io.gantry.telemetry.StatusSnapshot.NodeStatus;
import io.gantry.telemetry.StatusSnapshot.WorkloadStatus;
import io.gantry.telemetry.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status page in headless Chromium, fed a fake snapshot. */
class StatusPageTest {
    static StatusSnapshot fakeSnapshot() {
        return new StatusSnapshot(1_767_225_600_000L, "test-cluster", "127.0.0.1:7070",
                List.of(new NodeStatus("node-alpha", "ready", "127.0.0.1:7171", 4000, 8L << 30, 500, 1L << 30,
                        120, 300L << 20, 1, Map.of("zone", "a"))),
                List.of(new WorkloadStatus("0123456789ab", "web-frontend.1", "web-frontend", "node-alpha", "running",
                                "healthy", "nginx:1.27", "", List.of(), 1_767_225_000_000L, 0, 0),
                        new WorkloadStatus("ba9876543210", "<img src=x onerror=alert(1)>", "", "", "pending", "",
                                "busybox", "no node fits", List.of("node-alpha: insufficient memory (1 GiB free, 2 GiB asked)"),
                                0, 0, 0)),
                List.of(new EventEntry(1_767_225_000_000L, "container", "started", "web-frontend.1", "started on node-alpha")));
    }

    @Test
    void pageShowsNodesWorkloadsAndEscapesData() throws Exception {
        assumeTrue(HeadlessChromium.available(), "chromium is not installed");
        var before = chromiumDirs();
        try (var telemetry = TelemetryRegistry.create("scheduler", "s", false);
             var server = TelemetryServer.builder(telemetry.registry()).statusPage(StatusPageTest::fakeSnapshot).start()) {
            String dom = HeadlessChromium.dumpDom(server.uri().resolve("/"), Duration.ofSeconds(5), Duration.ofSeconds(60));
            assertTrue(dom.contains("<td>node-alpha</td>"), dom);
            assertTrue(dom.contains("<td>web-frontend.1</td>"), dom);
            assertTrue(dom.contains("zone=a"), dom);
            assertTrue(dom.contains("insufficient memory"), dom);
            assertTrue(dom.contains("started on node-alpha"), dom);
            // Data is text, never markup: the would-be tag shows up escaped.
            assertTrue(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), dom);
            assertFalse(dom.contains("<img"), dom);
            assertFalse(dom.contains("Cannot load status"), dom);
        }
        var left = chromiumDirs();
        left.removeAll(before); // other runs on this machine may have theirs
        assertTrue(left.isEmpty(), "the chromium profile directory is deleted: " + left);
    }

    private static java.util.Set<Path> chromiumDirs() throws java.io.IOException {
        try (var tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return tmp.filter(p -> p.getFileName().toString().startsWith("gantry-chromium-"))
                    .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        }
    }
}
