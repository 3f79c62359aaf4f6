package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.telemetry.FileSdWriter.TargetGroup;
import io.gantry.telemetry.testing.PrometheusProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's real Prometheus scrapes a TelemetryServer, found statically and through file_sd. */
class PrometheusScrapeTest {
    @TempDir
    Path temp;

    @BeforeEach
    void needsPrometheus() {
        assumeTrue(PrometheusProcess.available(), "prometheus is not installed");
    }

    @Test
    void staticTargetSeriesArrive() throws Exception {
        Path dir;
        try (var telemetry = ScrapeFixture.populated(temp);
             var server = TelemetryServer.builder(telemetry.registry()).start();
             var prometheus = PrometheusProcess.startStatic(List.of("127.0.0.1:" + server.port()), Duration.ofSeconds(1))) {
            JsonNode leader = prometheus.awaitResult("gantry_leader", Duration.ofSeconds(30));
            assertEquals("1", leader.get(0).get("value").get(1).asText());
            assertEquals("scheduler", leader.get(0).get("metric").get("component").asText());
            JsonNode cpu = prometheus.awaitResult("container_cpu_usage_seconds_total{name=\"web.1\"}", Duration.ofSeconds(10));
            assertEquals("1.5", cpu.get(0).get("value").get(1).asText());
            assertEquals("1", prometheus.query("up").get(0).get("value").get(1).asText());
            dir = prometheus.directory();
        }
        assertFalse(Files.exists(dir), "close() deletes config and storage");
    }

    @Test
    void fileSdTargetsWrittenByFileSdWriterAreScraped() throws Exception {
        Path targets = temp.resolve("sd/targets.json");
        try (var telemetry = TelemetryRegistry.create("agent", "node-b", false);
             var server = TelemetryServer.builder(telemetry.registry()).start()) {
            new AgentMetrics(telemetry.registry()).containerOomKilled();
            new FileSdWriter(targets).write(List.of(
                    new TargetGroup(List.of("127.0.0.1:" + server.port()), Map.of("role", "agent"))));
            try (var prometheus = PrometheusProcess.startFileSd(targets, Duration.ofSeconds(1))) {
                JsonNode oom = prometheus.awaitResult("gantry_container_oom_kills_total{role=\"agent\"}", Duration.ofSeconds(30));
                assertEquals("node-b", oom.get(0).get("metric").get("node").asText());
                assertEquals("1", oom.get(0).get("value").get(1).asText());
                assertFalse(prometheus.activeTargets().isEmpty());
            }
        }
    }
}
