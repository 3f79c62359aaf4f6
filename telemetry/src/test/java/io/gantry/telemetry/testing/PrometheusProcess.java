package io.gantry.telemetry.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's real Prometheus for tests: a temp config and storage directory, a free loopback port, a short
 * scrape interval (job name "gantry"). {@link #close()} stops it and deletes everything.
 *
 * <pre>{@code
 * assumeTrue(PrometheusProcess.available());
 * try (var prometheus = PrometheusProcess.startStatic(List.of("127.0.0.1:" + server.port()), Duration.ofSeconds(1))) {
 *     JsonNode result = prometheus.awaitResult("gantry_leader", Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class PrometheusProcess implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    public static final String JOB = "gantry";

    private final Process process;
    private final Path dir;
    private final URI uri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    private PrometheusProcess(Process process, Path dir, URI uri) {
        this.process = process;
        this.dir = dir;
        this.uri = uri;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Scrapes {@code targets} (HOST:PORT, loopback only) every {@code interval}. */
    public static PrometheusProcess startStatic(List<String> targets, Duration interval) {
        targets.forEach(t -> TestProcesses.requireLoopback(t.substring(0, Math.max(0, t.lastIndexOf(':'))), t));
        String list = targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
        return start(interval, "    static_configs:\n      - targets: [" + list + "]\n");
    }

    /** Scrapes whatever the file_sd file lists (see {@code FileSdWriter}); re-reads it on change. */
    public static PrometheusProcess startFileSd(Path targetsFile, Duration interval) {
        return start(interval, "    file_sd_configs:\n      - files: ['" + targetsFile.toAbsolutePath()
                + "']\n        refresh_interval: " + seconds(interval) + "\n");
    }

    /** {@code discovery}: the YAML lines under the one scrape job, indented by 4 spaces. */
    public static PrometheusProcess start(Duration interval, String discovery) {
        if (!available()) {
            throw new IllegalStateException(BINARY + " is not installed (apt-get install prometheus)");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gantry-prometheus-");
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: %1$s
                      scrape_timeout: %1$s
                      evaluation_interval: %1$s
                    scrape_configs:
                      - job_name: %2$s
                    %3$s""".formatted(seconds(interval), JOB, discovery));
            int port = freePort();
            Path log = dir.resolve("prometheus.log");
            Process process = new ProcessBuilder(BINARY.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=info")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            var prometheus = new PrometheusProcess(process, dir, URI.create("http://127.0.0.1:" + port));
            try {
                prometheus.awaitReady(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                prometheus.close();
                throw e;
            }
            return prometheus;
        } catch (IOException e) {
            TestProcesses.deleteTree(dir);
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return uri;
    }

    /** The temp directory holding config, data and log; deleted by {@link #close()}. */
    public Path directory() {
        return dir;
    }

    /** Prometheus' own log so far (for assertion messages). */
    public String log() {
        return TestProcesses.tail(dir.resolve("prometheus.log"), 4000);
    }

    /** An instant query; returns {@code data.result} (an array of {metric, value}). */
    public JsonNode query(String promql) {
        JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("prometheus query '" + promql + "' failed: " + body);
        }
        return body.path("data").path("result");
    }

    /** Polls {@link #query} until the result is non-empty. */
    public JsonNode awaitResult(String promql, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode result = query(promql);
            if (!result.isEmpty()) {
                return result;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no series for '" + promql + "' within " + timeout + "; targets: "
                        + get("/api/v1/targets").path("data").path("activeTargets") + "\nprometheus log:\n" + log());
            }
            sleep(250);
        }
    }

    /** {@code /api/v1/targets} data.activeTargets. */
    public JsonNode activeTargets() {
        return get("/api/v1/targets").path("data").path("activeTargets");
    }

    private JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri.resolve(pathAndQuery))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            sleep(100);
        }
        throw new IllegalStateException("prometheus not ready within " + timeout + ":\n" + log());
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: Prometheus shuts down its TSDB cleanly
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        TestProcesses.deleteTree(dir);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String seconds(Duration d) {
        return Math.max(1, d.toMillis()) + "ms";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
