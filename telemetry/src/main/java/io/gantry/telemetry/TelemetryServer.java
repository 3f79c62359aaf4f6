package io.gantry.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of a Gantry component (HTTP/1.1, Netty): {@code /metrics} (Prometheus text format),
 * {@code /healthz} (200 "ok" while the process serves), {@code /readyz} (200 or 503 from the readiness check),
 * plus the routes the caller registers (JSON from suppliers, static classpath resources, the status page).
 * GET and HEAD only; everything else is a 4xx. Bound to loopback unless told otherwise.
 */
public final class TelemetryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TelemetryServer.class);
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern RESOURCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final int MAX_REQUEST_BYTES = 16 * 1024;

    private final EventLoopGroup io;
    private final ExecutorService handlers;
    private final Channel channel;
    private final InetSocketAddress address;

    private TelemetryServer(EventLoopGroup io, ExecutorService handlers, Channel channel) {
        this.io = io;
        this.handlers = handlers;
        this.channel = channel;
        this.address = (InetSocketAddress) channel.localAddress();
    }

    public static Builder builder(PrometheusMeterRegistry registry) {
        return new Builder(registry);
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** http://HOST:PORT (no trailing slash). */
    public URI uri() {
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        shutdown(handlers);
    }

    private static void shutdown(ExecutorService handlers) {
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final PrometheusMeterRegistry registry;
        private String host = "127.0.0.1";
        private int port = 0;
        private Supplier<Readiness> readiness = Readiness::isReady;
        private ObjectMapper mapper = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        private final Map<String, Function<String, HttpResponseBody>> exact = new LinkedHashMap<>();
        private final Map<String, Function<String, HttpResponseBody>> prefixes = new LinkedHashMap<>();

        private Builder(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Where to listen; port 0 picks a free port (see {@link #port()}). Default 127.0.0.1:0. */
        public Builder bind(String host, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("telemetry port " + port + " is out of range 0..65535");
            }
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /** Parses "HOST:PORT" (IPv6 as [ADDR]:PORT), e.g. the value of a --metrics-listen flag. */
        public Builder bind(String hostAndPort) {
            int colon = hostAndPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostAndPort.length() - 1) {
                throw new IllegalArgumentException("invalid telemetry address '" + hostAndPort + "' (expected HOST:PORT)");
            }
            String h = hostAndPort.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            try {
                return bind(h, Integer.parseInt(hostAndPort.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid telemetry address '" + hostAndPort + "' (expected HOST:PORT)");
            }
        }

        public Builder readiness(Supplier<Readiness> check) {
            this.readiness = Objects.requireNonNull(check, "check");
            return this;
        }

        /** The Jackson mapper for JSON routes (default: a plain ObjectMapper; records serialize as objects). */
        public Builder objectMapper(ObjectMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** GET {@code path} answers the supplier's value as JSON (called once per request, on a worker thread). */
        public Builder json(String path, Supplier<?> supplier) {
            Objects.requireNonNull(supplier, "supplier");
            return route(path, p -> {
                try {
                    return new HttpResponseBody(200, "application/json", mapper.writeValueAsBytes(supplier.get()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** GET {@code path} answers one classpath resource. */
        public Builder resource(String path, String classpathResource) {
            if (TelemetryServer.class.getClassLoader().getResource(classpathResource) == null) {
                throw new IllegalArgumentException("no classpath resource " + classpathResource);
            }
            return route(path, p -> classpathResource(classpathResource));
        }

        /** GET {@code pathPrefix/NAME} answers {@code classpathDir/NAME} (plain file names only, no subdirectories). */
        public Builder resources(String pathPrefix, String classpathDir) {
            String prefix = pathPrefix.endsWith("/") ? pathPrefix : pathPrefix + "/";
            checkPath(prefix);
            prefixes.put(prefix, p -> {
                String name = p.substring(prefix.length());
                if (!RESOURCE_NAME.matcher(name).matches() || name.contains("..")) {
                    return HttpResponseBody.text(404, "not found");
                }
                return classpathResource(classpathDir + "/" + name);
            });
            return this;
        }

        /**
         * The read-only status page: {@code /} and {@code /status} serve the page, {@code /status/*} its assets,
         * {@code /api/status} the snapshot as JSON (the page polls it every 2 s).
         */
        public Builder statusPage(Supplier<StatusSnapshot> snapshot) {
            String dir = "io/gantry/telemetry/status";
            resource("/", dir + "/index.html");
            resource("/status", dir + "/index.html");
            resources("/status/", dir);
            return json("/api/status", snapshot);
        }

        private Builder route(String path, Function<String, HttpResponseBody> handler) {
            checkPath(path);
            if (path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz")) {
                throw new IllegalArgumentException("path " + path + " is built in");
            }
            exact.put(path, handler);
            return this;
        }

        private static void checkPath(String path) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("route path must start with '/': " + path);
            }
        }

        /** Binds and starts serving; a taken port or unknown host is a one-line IllegalStateException. */
        public TelemetryServer start() {
            var routes = new Routes(registry, readiness, Map.copyOf(exact), List.copyOf(prefixes.entrySet()));
            EventLoopGroup io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gantry-telemetry-io", true),
                    NioIoHandler.newFactory());
            // Scrapes read cgroup files and suppliers may take locks: keep them off the I/O thread.
            ExecutorService handlers = Executors.newFixedThreadPool(2, new DefaultThreadFactory("gantry-telemetry", true));
            try {
                Channel channel = new ServerBootstrap()
                        .group(io)
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline()
                                        .addLast(new HttpServerCodec())
                                        .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                        .addLast(new RequestHandler(routes, handlers));
                            }
                        })
                        .bind(host, port).syncUninterruptibly().channel();
                var server = new TelemetryServer(io, handlers, channel);
                log.info("telemetry endpoint listening on {}", server.uri());
                return server;
            } catch (Exception e) { // Netty rethrows the checked BindException unchanged
                io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                shutdown(handlers);
                throw new IllegalStateException("cannot listen for telemetry on " + host + ":" + port + ": "
                        + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()), e);
            }
        }
    }

    private static HttpResponseBody classpathResource(String name) {
        try (InputStream in = TelemetryServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                return HttpResponseBody.text(404, "not found");
            }
            return new HttpResponseBody(200, contentType(name), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String contentType(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".html")) return "text/html; charset=utf-8";
        if (lower.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (lower.endsWith(".css")) return "text/css; charset=utf-8";
        if (lower.endsWith(".json")) return "application/json";
        if (lower.endsWith(".svg")) return "image/svg+xml";
        if (lower.endsWith(".png")) return "image/png";
        return HttpResponseBody.TEXT;
    }

    /** The routing table, immutable once the server runs. */
    private record Routes(PrometheusMeterRegistry registry, Supplier<Readiness> readiness,
                          Map<String, Function<String, HttpResponseBody>> exact,
                          List<Map.Entry<String, Function<String, HttpResponseBody>>> prefixes) {
        HttpResponseBody answer(String path) {
            switch (path) {
                case "/metrics":
                    return new HttpResponseBody(200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8));
                case "/healthz":
                    return HttpResponseBody.text(200, "ok");
                case "/readyz": {
                    Readiness r = readiness.get();
                    return HttpResponseBody.text(r.ready() ? 200 : 503, r.reason());
                }
                default:
                    break;
            }
            var handler = exact.get(path);
            if (handler != null) {
                return handler.apply(path);
            }
            for (var prefix : prefixes) {
                if (path.startsWith(prefix.getKey())) {
                    return prefix.getValue().apply(path);
                }
            }
            return HttpResponseBody.text(404, "not found");
        }
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Routes routes;
        private final ExecutorService workers;
        /** Requests of one connection are answered in order (HTTP/1.1 pipelining), one after the other. */
        private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

        RequestHandler(Routes routes, ExecutorService workers) {
            this.routes = routes;
            this.workers = workers;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                send(ctx, false, false, HttpResponseBody.text(400, "bad request"));
                return;
            }
            HttpMethod method = request.method();
            String uri = request.uri();
            try {
                previous = previous.thenRunAsync(() -> answer(ctx, keepAlive, method, uri), workers);
            } catch (RejectedExecutionException e) {
                ctx.close(); // shutting down
            }
        }

        private void answer(ChannelHandlerContext ctx, boolean keepAlive, HttpMethod method, String uri) {
            boolean head = method.equals(HttpMethod.HEAD);
            if (!head && !method.equals(HttpMethod.GET)) {
                send(ctx, keepAlive, false, HttpResponseBody.text(405, "method not allowed"));
                return;
            }
            String path;
            try {
                path = new QueryStringDecoder(uri).path();
            } catch (IllegalArgumentException e) {
                send(ctx, keepAlive, head, HttpResponseBody.text(400, "bad request path"));
                return;
            }
            HttpResponseBody body;
            try {
                body = routes.answer(path);
            } catch (RuntimeException e) {
                log.warn("telemetry request {} failed", path, e);
                body = HttpResponseBody.text(500, "internal error: "
                        + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()).replace('\n', ' '));
            }
            send(ctx, keepAlive, head, body);
        }

        private static void send(ChannelHandlerContext ctx, boolean keepAlive, boolean head, HttpResponseBody body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(body.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body.body()));
            var headers = response.headers();
            headers.set(HttpHeaderNames.CONTENT_TYPE, body.contentType());
            // HEAD announces the length the GET body would have.
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.body().length);
            headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            if (body.contentType().startsWith("text/html")) {
                headers.set("Content-Security-Policy", "default-src 'self'; object-src 'none'; frame-ancestors 'none'");
            }
            if (keepAlive) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("telemetry connection error: {}", cause.toString());
            ctx.close();
        }
    }

}
