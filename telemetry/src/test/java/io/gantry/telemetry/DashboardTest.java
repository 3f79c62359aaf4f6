package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/grafana and deploy/prometheus agree with what the code emits. */
class DashboardTest {
    static final Path DEPLOY = Path.of("..", "deploy");
    static final Path DASHBOARD = DEPLOY.resolve("grafana/dashboards/gantry-cluster-overview.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:gantry|container)_[a-zA-Z0-9_]+)");

    @TempDir
    Path temp;

    private static JsonNode dashboard() throws Exception {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every expression's metric names, from the panels and the template variables. */
    private static Set<String> queriedMetrics(JsonNode dashboard) {
        var exprs = new ArrayList<String>();
        dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
        dashboard.path("templating").path("list").forEach(v -> exprs.add(v.path("definition").asText()));
        var names = new TreeSet<String>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void dashboardParsesAndHasTheOverviewPanels() throws Exception {
        JsonNode d = dashboard();
        assertEquals("Gantry cluster overview", d.path("title").asText());
        List<String> titles = new ArrayList<>();
        d.path("panels").forEach(p -> titles.add(p.path("title").asText()));
        assertTrue(titles.containsAll(List.of("Nodes by state", "Containers by state", "Placement rate",
                "Placement latency", "Pending workloads by reason", "Leader", "CPU by container",
                "Memory working set by container")), titles.toString());
        var ids = new TreeSet<Integer>();
        d.path("panels").forEach(p -> assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id"));
        d.findValues("datasource").forEach(ds -> {
            if (ds.isObject()) {
                assertEquals("gantry-prometheus", ds.path("uid").asText(), "datasource uid must match provisioning");
            }
        });
        String provisioning = Files.readString(DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yml"));
        assertTrue(provisioning.contains("uid: gantry-prometheus"));
    }

    @Test
    void everyQueriedMetricIsEmitted() throws Exception {
        Set<String> queried = queriedMetrics(dashboard());
        assertTrue(queried.contains("gantry_placement_duration_seconds_bucket"));
        assertTrue(queried.contains("container_cpu_usage_seconds_total"));
        Set<String> emitted;
        try (var telemetry = ScrapeFixture.populated(temp)) {
            emitted = Scrapes.sampleNames(telemetry.registry().scrape());
        }
        var missing = new TreeSet<>(queried);
        missing.removeAll(emitted);
        assertTrue(missing.isEmpty(), "the dashboard queries metrics nobody emits: " + missing + "\nemitted: " + emitted);
    }

    @Test
    void prometheusConfigIsValidAndUsesTheSchedulersTargetFile() throws Exception {
        String config = Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"));
        assertTrue(config.contains(FileSdWriter.DEFAULT_PATH.toString()));
        assumeTrue(Files.isExecutable(PromtoolCheckTest.PROMTOOL), "promtool is not installed");
        Process p = new ProcessBuilder(PromtoolCheckTest.PROMTOOL.toString(), "check", "config",
                DEPLOY.resolve("prometheus/prometheus.yml").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("FAILED"), out);
    }
}
