package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code promtool check metrics} on a real scrape of a fully populated endpoint: no lint problems allowed. */
class PromtoolCheckTest {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path temp;

    @Test
    void realScrapePassesPromtoolCheckMetrics() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed");
        String scrape;
        try (var telemetry = ScrapeFixture.populated(temp);
             var server = TelemetryServer.builder(telemetry.registry()).start()) {
            scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        assertTrue(scrape.contains("container_cpu_usage_seconds_total{"), scrape);
        assertTrue(scrape.contains("jvm_memory_used_bytes{"), scrape);
        String problems = promtool(scrape);
        assertEquals("", problems, "promtool check metrics found problems");
    }

    @Test
    void promtoolReallyComplains() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed");
        // A counter without _total: proves the check above can fail.
        String problems = promtool("# HELP bad_requests Requests.\n# TYPE bad_requests counter\nbad_requests 1\n");
        assertTrue(problems.contains("counter metrics should have \"_total\" suffix"), problems);
    }

    /** promtool's findings ("" if none); the exit code must agree. */
    static String promtool(String metrics) throws Exception {
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(metrics.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (output.isEmpty()) {
            assertEquals(0, p.exitValue());
        }
        return output;
    }
}
