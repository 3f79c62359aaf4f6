package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.build.BusyboxImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (distribution 2.8) as a child process on 127.0.0.1, for
 * {@code gantry dev} and tests. Storage lives under the given data directory; deletes are enabled.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalRegistry.class);
    private static final String BINARY = "docker-registry";
    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final Process process;
    private final String address;
    private final Path dataDir;

    private LocalRegistry(Process process, String address, Path dataDir) {
        this.process = process;
        this.address = address;
        this.dataDir = dataDir;
    }

    /**
     * Starts a registry on {@code 127.0.0.1:port} ({@code 0}: a free port) storing under
     * {@code dataDir}, and waits until {@code GET /v2/} answers.
     */
    public static LocalRegistry start(Path dataDir, int port) throws ImageException {
        return start(dataDir, port, Security.NONE);
    }

    /**
     * Optional protection of a local registry.
     *
     * @param htpasswd       an htpasswd file (bcrypt entries) for Basic authentication, or null
     * @param tlsCertificate PEM certificate served over https, or null for plain http
     * @param tlsKey         its PEM private key
     */
    public record Security(Path htpasswd, Path tlsCertificate, Path tlsKey) {
        public static final Security NONE = new Security(null, null, null);

        boolean tls() {
            return tlsCertificate != null;
        }
    }

    /** Like {@link #start(Path, int)}, with Basic authentication and/or TLS. */
    public static LocalRegistry start(Path dataDir, int port, Security security) throws ImageException {
        int attempts = port == 0 ? 3 : 1;
        ImageException last = null;
        for (int i = 0; i < attempts; i++) {
            try {
                return startOnce(dataDir, port == 0 ? freePort() : port, security);
            } catch (ImageException e) {
                last = e; // a free port can be taken by someone else before the registry binds it
            }
        }
        throw last;
    }

    /** docker-registry's config: blobs under {@code storage}, deletes allowed, quiet logs, serving {@code address}. */
    public static String configYaml(Path storage, String address) {
        return configYaml(storage, address, Security.NONE);
    }

    public static String configYaml(Path storage, String address, Security security) {
        StringBuilder extra = new StringBuilder();
        if (security.tls()) {
            extra.append("  tls:\n    certificate: ").append(security.tlsCertificate().toAbsolutePath())
                    .append("\n    key: ").append(security.tlsKey().toAbsolutePath()).append('\n');
        }
        if (security.htpasswd() != null) {
            extra.append("auth:\n  htpasswd:\n    realm: gantry-test\n    path: ").append(security.htpasswd().toAbsolutePath()).append('\n');
        }
        return base(storage, address) + extra;
    }

    private static String base(Path storage, String address) {
        return String.join("\n",
                "version: 0.1",
                "log:",
                "  level: warn",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + storage,
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: " + address,
                "");
    }

    private static LocalRegistry startOnce(Path dataDir, int port, Security security) throws ImageException {
        String address = "127.0.0.1:" + port;
        Path config = dataDir.toAbsolutePath().resolve("registry.yml");
        stopLeftover(config);
        requireFree(port, address);
        Path logFile = dataDir.resolve("registry.log");
        Process process;
        try {
            Files.createDirectories(dataDir.resolve("storage"));
            Files.writeString(config, configYaml(dataDir.resolve("storage").toAbsolutePath(), address, security), StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(BINARY, "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // Keep REGISTRY_* variables of the caller from overriding our config.
            builder.environment().keySet().removeIf(name -> name.startsWith("REGISTRY_"));
            process = builder.start();
        } catch (IOException e) {
            throw new ImageException("cannot start " + BINARY + ": " + e.getMessage(), e);
        }
        LocalRegistry registry = new LocalRegistry(process, address, dataDir);
        try {
            registry.awaitReady(logFile, security.tls());
            return registry;
        } catch (ImageException e) {
            registry.close();
            throw e;
        }
    }

    /**
     * A registry still serving this data dir's config is a leftover of a run that was
     * killed before it could stop it (its owner is gone: nobody else uses this dir), and
     * it would hold the port: stop it.
     */
    private static void stopLeftover(Path config) {
        String configPath = config.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/docker-registry") || c.equals(BINARY)).orElse(false))
                .filter(p -> p.info().arguments().map(a -> java.util.Arrays.asList(a).contains(configPath)).orElse(false))
                .forEach(p -> {
                    log.warn("stopping a leftover docker-registry (pid {}) of an earlier run on {}", p.pid(), configPath);
                    p.destroy();
                    try {
                        p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
    }

    private void awaitReady(Path logFile, boolean tls) throws ImageException {
        try (java.net.http.HttpClient http = RegistryClient.defaultHttpClient()) {
            awaitReady(logFile, tls ? this::acceptsConnections : client(http)::ping);
        }
    }

    /** A TLS registry's CA is the caller's business: an accepted connection is ready enough. */
    private void acceptsConnections(String hostPort) throws ImageException {
        int colon = hostPort.lastIndexOf(':');
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), 1000);
        } catch (IOException e) {
            throw new ImageException("not accepting connections yet", e);
        }
    }

    @FunctionalInterface
    private interface Probe {
        void check(String address) throws ImageException;
    }

    private static RegistryClient client(java.net.http.HttpClient http) {
        return new RegistryClient(http, java.util.Set.of(), "linux", "amd64", Duration.ofMinutes(5), java.time.Clock.systemUTC());
    }

    private void awaitReady(Path logFile, Probe probe) throws ImageException {
        Instant deadline = Instant.now().plus(STARTUP);
        while (true) {
            if (!process.isAlive()) {
                throw new ImageException("docker-registry on " + address + " exited with status " + process.exitValue()
                        + ": " + lastLine(logFile));
            }
            try {
                probe.check(address);
                if (!process.isAlive()) {
                    continue;
                }
                log.info("docker-registry is serving on {} (data in {})", address, dataDir);
                return;
            } catch (ImageException notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw new ImageException("docker-registry on " + address + " did not answer within " + STARTUP.toSeconds() + " s");
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImageException("interrupted while waiting for docker-registry", e);
            }
        }
    }

    /** {@code 127.0.0.1:PORT}, usable as an image reference's registry. */
    public String address() {
        return address;
    }

    public long pid() {
        return process.pid();
    }

    /** Builds the busybox image from {@code busyboxBinary} and pushes it as {@code ADDRESS/busybox:latest}. */
    public ImageReference seedBusybox(Path busyboxBinary) throws ImageException {
        ImageReference ref = new ImageReference(address, "busybox", "latest", null);
        try (java.net.http.HttpClient http = RegistryClient.defaultHttpClient()) {
            new RegistryPusher(client(http)).push(ref, BusyboxImage.build(busyboxBinary));
        }
        return ref;
    }

    /** Stops the registry (and anything it started) and waits for it to exit. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                child.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** Otherwise the readiness probe could be answered by whoever already listens there. */
    private static void requireFree(int port, String address) throws ImageException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new ImageException("cannot start docker-registry: " + address + " is already in use");
        }
    }

    private static int freePort() throws ImageException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new ImageException("cannot find a free port: " + e.getMessage(), e);
        }
    }

    private static String lastLine(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return lines.isEmpty() ? "(no output)" : lines.getLast();
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
