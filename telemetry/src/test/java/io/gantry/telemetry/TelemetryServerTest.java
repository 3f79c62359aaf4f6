package io.gantry.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TelemetryServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private TelemetryRegistry telemetry;
    private TelemetryServer server;
    private final AtomicReference<Readiness> readiness = new AtomicReference<>(Readiness.notReady("not leader yet"));

    record Thing(String name, int count, List<String> tags) {}

    @BeforeEach
    void start() {
        telemetry = TelemetryRegistry.create("test", "node-1", false);
        new SchedulerMetrics(telemetry.registry()).setLeader(true);
        server = TelemetryServer.builder(telemetry.registry())
                .readiness(readiness::get)
                .json("/api/thing", () -> new Thing("a<b>", 3, List.of("x", "y")))
                .json("/api/broken", () -> { throw new IllegalStateException("snapshot\nunavailable"); })
                .statusPage(() -> new StatusSnapshot(1, "c", "l", List.of(), List.of(), List.of()))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
        telemetry.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bindsLoopbackOnAFreePortByDefault() {
        assertTrue(server.address().getAddress().isLoopbackAddress());
        assertTrue(server.port() > 0);
    }

    @Test
    void servesPrometheusTextAtMetrics() throws Exception {
        var response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertTrue(response.body().contains("gantry_leader{component=\"test\",node=\"node-1\"} 1"), response.body());
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertEquals(200, get("/healthz").statusCode());
        assertEquals("ok\n", get("/healthz").body());
        var notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals("not leader yet\n", notReady.body());
        readiness.set(Readiness.isReady());
        assertEquals(200, get("/readyz").statusCode());
    }

    @Test
    void jsonRouteSerializesWithJackson() throws Exception {
        var response = get("/api/thing?x=1");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        var tree = new ObjectMapper().readTree(response.body());
        assertEquals("a<b>", tree.get("name").asText());
        assertEquals(3, tree.get("count").asInt());
    }

    @Test
    void failingSupplierIsA500WithOneLineAndTheServerKeepsServing() throws Exception {
        var response = get("/api/broken");
        assertEquals(500, response.statusCode());
        assertEquals("internal error: snapshot unavailable\n", response.body());
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void staticResourcesAndNoTraversal() throws Exception {
        var page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("/status/status.js"));
        var js = get("/status/status.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("content-type").orElse("").startsWith("text/javascript"));
        assertEquals(404, get("/status/nothing.js").statusCode());
        assertEquals(404, get("/status/..%2F..%2FTelemetryServer.class").statusCode());
        assertEquals(404, get("/status/../TelemetryServer.class").statusCode());
        assertEquals(404, get("/nope").statusCode());
    }

    @Test
    void headAnswersHeadersWithoutBody() throws Exception {
        var head = http.send(HttpRequest.newBuilder(server.uri().resolve("/healthz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals("3", head.headers().firstValue("content-length").orElseThrow());
        // The connection stays usable after a HEAD (no stray body bytes).
        assertEquals("ok\n", get("/healthz").body());
    }

    @Test
    void otherMethodsAre405() throws Exception {
        var post = http.send(HttpRequest.newBuilder(server.uri().resolve("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void garbageAndOversizedRequestsAre4xxNotCrashes() throws Exception {
        assertTrue(rawStatus("\u0001\u0002 nonsense\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(rawStatus("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 4"));
        String body = "x".repeat(20_000);
        assertTrue(rawStatus("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .startsWith("HTTP/1.1 413"));
        assertEquals(200, get("/healthz").statusCode());
    }

    private String rawStatus(String request) throws IOException {
        try (var socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            var line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    @Test
    void closeReleasesThePort() throws Exception {
        int port = server.port();
        server.close();
        // The event loop's termination future completes from within its thread, just before the thread ends.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of(),
                Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("gantry-telemetry"))
                        .map(Thread::getName).toList(), "no server threads survive close()"));
        try (var socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, socket.getLocalPort());
        }
        server = TelemetryServer.builder(telemetry.registry()).start(); // for @AfterEach
    }

    @Test
    void busyPortAndBadAddressesAreOneLineErrors() throws Exception {
        var busy = assertThrows(IllegalStateException.class,
                () -> TelemetryServer.builder(telemetry.registry()).bind("127.0.0.1", server.port()).start());
        assertTrue(busy.getMessage().startsWith("cannot listen for telemetry on 127.0.0.1:" + server.port()), busy.getMessage());
        assertTrue(!busy.getMessage().contains("\n"));
        var bad = assertThrows(IllegalArgumentException.class,
                () -> TelemetryServer.builder(telemetry.registry()).bind("localhost"));
        assertEquals("invalid telemetry address 'localhost' (expected HOST:PORT)", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TelemetryServer.builder(telemetry.registry()).bind("h", 70000));
    }

    @Test
    void bindParsesHostAndPort() {
        try (var other = TelemetryServer.builder(telemetry.registry()).bind("127.0.0.1:0").start()) {
            assertTrue(other.port() > 0);
            assertEquals(URI.create("http://127.0.0.1:" + other.port()), other.uri());
        }
    }

    @Test
    void builtInPathsCannotBeReplaced() {
        assertThrows(IllegalArgumentException.class,
                () -> TelemetryServer.builder(telemetry.registry()).json("/metrics", Map::of));
    }
}
