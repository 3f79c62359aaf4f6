package io.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.telemetry.testing.HeadlessChromium;
import io.gantry.telemetry.testing.PrometheusProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metrics, health endpoints, events and the status page of a real `gantry dev` cluster, scraped by Debian's real
 * Prometheus and rendered by headless Chromium.
 */
class ObservabilityIT {
    static DevFixture cluster;
    static Path dataDir;
    static Daemon dev;
    static String schedulerMetrics;
    static String agentMetrics;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() throws Exception {
        schedulerMetrics = "127.0.0.1:" + Gantry.freePort();
        agentMetrics = "127.0.0.1:" + Gantry.freePort();
        Path targets = Files.createTempDirectory("gantry-e2e-obs-sd").resolve("targets.json");
        cluster = DevFixture.start("obs", "gantry-e2e-obs", "--metrics-listen", schedulerMetrics, "--agent-metrics-listen", agentMetrics,
                "--prometheus-sd-file", targets.toString(), "--log-format", "json");
        dataDir = cluster.dataDir;
        dev = cluster.dev;
        sdFile = targets;
    }

    static Path sdFile;

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.stop();
        }
        if (sdFile != null) {
            Files.deleteIfExists(sdFile);
            Files.deleteIfExists(sdFile.getParent());
        }
    }

    private static Gantry.Result gantry(String... args) {
        return cluster.gantry(args);
    }

    private static HttpResponse<String> get(String hostPort, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsHealthPrometheusAndTheStatusPage() throws Exception {
        var run = gantry("run", "-d", "--name", "obs-web", "-m", "64m", "busybox", "sh", "-c", "while true; do sleep 1; done");
        assertThat(run.exit()).as(run.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> gantry("ps").out().contains("obs-web"));

        assertThat(get(schedulerMetrics, "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(schedulerMetrics, "/readyz").statusCode()).isEqualTo(200);
        assertThat(get(agentMetrics, "/healthz").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(schedulerMetrics, "/metrics").body())
                .contains("gantry_leader{").contains("gantry_containers{").containsPattern("gantry_containers\\{[^}]*state=\"running\"[^}]*} 1"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(agentMetrics, "/metrics").body())
                .containsPattern("container_memory_working_set_bytes\\{[^}]*name=\"obs-web\"")
                .containsPattern("container_spec_memory_limit_bytes\\{[^}]*name=\"obs-web\"[^}]*} 6\\.7108864E7")
                .contains("gantry_container_starts_total"));

        // promtool: both endpoints are valid exposition.
        for (String target : List.of(schedulerMetrics, agentMetrics)) {
            Path scrape = Files.writeString(dataDir.resolve("scrape.txt"), get(target, "/metrics").body());
            var check = Gantry.exec(Duration.ofSeconds(30), List.of("sh", "-c", "promtool check metrics < " + scrape));
            assertThat(check.exit()).as(check.toString()).isZero();
        }

        assertThat(PrometheusProcess.available()).as("prometheus is installed by deploy/install-deps.sh").isTrue();
        // The targets come from the file the scheduler keeps (file-based service discovery), not from the test.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sdFile));
        assertThat(Files.readString(sdFile)).contains(schedulerMetrics).contains(agentMetrics);
        try (var prometheus = PrometheusProcess.startFileSd(sdFile, Duration.ofSeconds(1))) {
            var leader = prometheus.awaitResult("gantry_leader == 1", Duration.ofSeconds(60));
            assertThat(leader.toString()).contains("scheduler");
            var memory = prometheus.awaitResult("container_memory_working_set_bytes{name=\"obs-web\"}", Duration.ofSeconds(60));
            assertThat(memory.toString()).contains("node-1");
        }

        String dom = HeadlessChromium.dumpDom(URI.create("http://" + schedulerMetrics + "/"), Duration.ofSeconds(5), Duration.ofSeconds(90));
        assertThat(dom).contains("obs-web").contains("node-1");

        var events = gantry("events", "--since", "10m", "--until", "0s", "--filter", "type=container");
        assertThat(events.exit()).as(events.toString()).isZero();
        assertThat(events.out()).contains("container created").contains("container started").contains("obs-web");
        assertThat(gantry("rm", "-f", "obs-web").exit()).isZero();

        // --log-format json: one JSON object per line, with the component, the node and the workload id.
        String id = run.out().strip();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            var lines = dev.output().lines().filter(l -> l.startsWith("{")).map(l -> {
                try {
                    return mapper.readTree(l);
                } catch (java.io.IOException e) {
                    throw new AssertionError("not JSON: " + l, e);
                }
            }).toList();
            assertThat(lines).isNotEmpty();
            assertThat(lines).allSatisfy(j -> assertThat(j.has("level") && j.has("message") && j.has("component")).isTrue());
            assertThat(lines).anySatisfy(j -> {
                assertThat(j.path("component").asText()).isEqualTo("dev");
                assertThat(j.path("node").asText()).isEqualTo("node-1");
                assertThat(j.path("workload").asText()).isEqualTo(id);
            });
        });
    }
}
