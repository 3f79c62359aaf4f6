package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gantry.telemetry.Labels.StartFailure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    private final TelemetryRegistry telemetry = TelemetryRegistry.create("agent", "n1", false);
    private final AgentMetrics metrics = new AgentMetrics(telemetry.registry());

    @AfterEach
    void close() {
        telemetry.close();
    }

    @Test
    void pullsStartsFailuresAndOomKills() {
        metrics.imagePulled(1000, Duration.ofMillis(700));
        metrics.imagePulled(0, Duration.ofMillis(10));
        metrics.imagePullFailed(24, Duration.ofSeconds(3));
        metrics.containerStarted(Duration.ofMillis(400));
        metrics.containerStartFailed(StartFailure.RUNTIME);
        metrics.containerOomKilled();
        String s = telemetry.registry().scrape();
        assertEquals(1024, Scrapes.value(s, "gantry_image_pull_bytes_total{"));
        assertEquals(2, Scrapes.value(s, "gantry_image_pull_duration_seconds_count{component=\"agent\",node=\"n1\",outcome=\"success\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_image_pull_duration_seconds_count{component=\"agent\",node=\"n1\",outcome=\"failure\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_image_pull_duration_seconds_bucket{component=\"agent\",node=\"n1\",outcome=\"success\",le=\"0.5\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_container_starts_total{"));
        assertEquals(1, Scrapes.value(s, "gantry_container_start_duration_seconds_bucket{component=\"agent\",node=\"n1\",le=\"0.5\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_container_start_failures_total{component=\"agent\",node=\"n1\",reason=\"runtime\"}"));
        assertEquals(0, Scrapes.value(s, "gantry_container_start_failures_total{component=\"agent\",node=\"n1\",reason=\"image\"}"));
        assertEquals(1, Scrapes.value(s, "gantry_container_oom_kills_total{"));
    }

    @Test
    void containerCollectorNeedsThePrometheusRegistry() {
        var other = new AgentMetrics(new SimpleMeterRegistry());
        assertThrows(IllegalStateException.class,
                () -> other.registerContainerCollector(List::of, CgroupStats.detect(java.time.Clock.systemUTC())));
    }
}
