package io.gantry.scheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real standalone ZooKeeper server for single-host setups. Snapshots and the transaction log live in
 * {@code dataDir}, so state survives restarts. Only ever binds to a loopback address.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final int TICK_MILLIS = 500;
    private static final int MAX_CLIENT_CONNECTIONS = 100;

    private final ZooKeeperServer server;
    private final ServerCnxnFactory factory;
    private final String connectString;

    private EmbeddedZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory, String connectString) {
        this.server = server;
        this.factory = factory;
        this.connectString = connectString;
    }

    /** Starts a server on {@code bindHost:port} (port 0 picks a free one); {@code bindHost} must be loopback. */
    public static EmbeddedZooKeeper start(Path dataDir, String bindHost, int port) throws IOException {
        InetAddress address = InetAddress.getByName(bindHost);
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("embedded ZooKeeper binds to loopback only, not " + bindHost);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("invalid ZooKeeper port " + port);
        }
        Files.createDirectories(dataDir);
        var server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), TICK_MILLIS);
        var factory = ServerCnxnFactory.createFactory(new InetSocketAddress(address, port), MAX_CLIENT_CONNECTIONS);
        try {
            factory.startup(server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            factory.shutdown();
            throw new IOException("interrupted while starting ZooKeeper", e);
        } catch (IOException | RuntimeException | LinkageError e) {
            factory.shutdown();
            server.shutdown();
            throw new IOException("cannot start embedded ZooKeeper on " + bindHost + ":" + port + ": " + e.getMessage(), e);
        }
        String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        String connect = host + ":" + factory.getLocalPort();
        log.info("embedded ZooKeeper serving {} from {}", connect, dataDir);
        return new EmbeddedZooKeeper(server, factory, connect);
    }

    public String connectString() {
        return connectString;
    }

    public int port() {
        return factory.getLocalPort();
    }

    @Override
    public void close() {
        factory.shutdown();
        server.shutdown(true);
    }
}
