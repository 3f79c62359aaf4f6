package io.gantry.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A scriptable registry on 127.0.0.1 for tests: fixed answers per "METHOD /path", requests recorded. */
final class FakeRegistry implements AutoCloseable {
    record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    record Request(String method, String path, String query, String authorization) {
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile String requiredToken;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    void answer(String method, String path, int status, Map<String, String> headers, byte[] body) {
        answers.put(method + " " + path, new Answer(status, headers, body));
    }

    void json(String path, String contentType, byte[] body) {
        answer("GET", path, 200, Map.of("Content-Type", contentType), body);
    }

    void blob(String repository, String digest, byte[] body) {
        answer("GET", "/v2/" + repository + "/blobs/" + digest, 200, Map.of("Content-Type", "application/octet-stream"), body);
    }

    long count(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        requests.add(new Request(exchange.getRequestMethod(), path, exchange.getRequestURI().getQuery(), authorization));
        Answer answer = answers.get(exchange.getRequestMethod() + " " + path);
        String token = requiredToken;
        if (token != null && path.startsWith("/v2/") && !("Bearer " + token).equals(authorization)) {
            answer = new Answer(401, Map.of("WWW-Authenticate",
                    "Bearer realm=\"http://" + address() + "/token\",service=\"fake\",scope=\"repository:x:pull\""),
                    "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        if (answer == null) {
            answer = new Answer(404, Map.of("Content-Type", "application/json"),
                    "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"not here\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(answer.status(), head || answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(answer.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
