package io.gantry.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token-protected front for a real registry, for tests: {@code /token} issues bearer tokens
 * (to Basic credentials, an OAuth2 refresh token, or anonymously when allowed), every
 * {@code /v2/} request needs a token issued for its repository and is proxied (GET/HEAD) to the registry.
 */
final class BearerFront implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String backend;
    private final String user;
    private final String password;
    private final String refreshToken;
    private final boolean anonymous;
    private final Map<String, String> tokenScopes = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    volatile boolean useAccessTokenField;

    BearerFront(String backend, String user, String password, String refreshToken, boolean anonymous) throws IOException {
        this.backend = backend;
        this.user = user;
        this.password = password;
        this.refreshToken = refreshToken;
        this.anonymous = anonymous;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/v2/", this::proxy);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void token(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        if (exchange.getRequestMethod().equals("POST")) {
            query = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> params = new java.util.HashMap<>();
        for (String pair : query == null ? new String[0] : query.split("&")) {
            int eq = pair.indexOf('=');
            params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        tokenRequests.add(exchange.getRequestMethod() + " " + params.getOrDefault("scope", "") + " " + params.getOrDefault("grant_type", ""));
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        boolean ok;
        if ("refresh_token".equals(params.get("grant_type"))) {
            ok = refreshToken != null && refreshToken.equals(params.get("refresh_token"));
        } else if (authorization != null) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            ok = expected.equals(authorization);
        } else {
            ok = anonymous;
        }
        if (!ok) {
            send(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
            return;
        }
        String token = "t" + issued.incrementAndGet();
        tokenScopes.put(token, params.getOrDefault("scope", ""));
        String field = useAccessTokenField ? "access_token" : "token";
        send(exchange, 200, "{\"" + field + "\":\"" + token + "\",\"expires_in\":300}");
    }

    private void proxy(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String repository = repositoryOf(path);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String token = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
        String scope = token == null ? null : tokenScopes.get(token);
        boolean allowed = scope != null && (repository == null || scope.startsWith("repository:" + repository + ":"));
        if (!allowed) {
            String challenge = "Bearer realm=\"http://" + address() + "/token\",service=\"test-registry\""
                    + (repository == null ? "" : ",scope=\"repository:" + repository + ":pull\"");
            exchange.getResponseHeaders().add("WWW-Authenticate", challenge);
            send(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            return;
        }
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create("http://" + backend + exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null) {
            forward.header("Accept", accept);
        }
        try {
            HttpResponse<InputStream> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
            for (String name : Set.of("Content-Type", "Docker-Content-Digest", "Location")) {
                response.headers().firstValue(name).ifPresent(value -> exchange.getResponseHeaders().add(name, value));
            }
            byte[] body = response.body().readAllBytes();
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(response.statusCode(), head || body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (!head) {
                    out.write(body);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    /** {@code /v2/NAME/(manifests|blobs|tags)/...} → NAME; null for {@code /v2/}. */
    private static String repositoryOf(String path) {
        String rest = path.substring("/v2/".length());
        for (String kind : List.of("/manifests/", "/blobs/", "/tags/")) {
            int at = rest.indexOf(kind);
            if (at > 0) {
                return rest.substring(0, at);
            }
        }
        return null;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        http.close();
    }
}
