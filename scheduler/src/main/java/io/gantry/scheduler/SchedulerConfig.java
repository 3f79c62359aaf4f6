package io.gantry.scheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run one scheduler.
 *
 * @param zkConnect        ZooKeeper connect string; null starts an embedded ZooKeeper in {@code dataDir/zookeeper}
 * @param listenPort       0 picks a free port
 * @param advertiseAddress what followers tell clients to use; null means {@code listenHost:actualPort}
 * @param defaultRegistry  where agents pull unqualified images from, e.g. {@code 127.0.0.1:5000}
 * @param seed             drives ids and placement tie-breaks, so runs are reproducible
 * @param nodeSubnetPool   CIDR the nodes' bridge subnets (/24 each) come from; default 10.42.0.0/16
 * @param networkSubnetPool CIDR overlay networks' subnets (/24 each) come from unless --subnet; default 10.43.0.0/16
 * @param prometheusSdFile where the leader writes Prometheus file_sd targets; null = nowhere
 * @param metricsListen    HOST:PORT for /metrics, /healthz, /readyz and the status page; "" = off
 * @param zkSessionTimeout how long ZooKeeper waits before it ends a silent scheduler's session: a killed
 *                         leader is replaced about this long after it died, and a leader that cannot reach
 *                         ZooKeeper for two thirds of it steps down. Shorter fails over faster but risks
 *                         needless failovers under GC pauses or a loaded ZooKeeper.
 */
public record SchedulerConfig(String zkConnect, Path dataDir, String listenHost, int listenPort,
                              String advertiseAddress, String defaultRegistry, Duration heartbeatTimeout, long seed,
                              Duration zkSessionTimeout, String metricsListen, Path prometheusSdFile,
                              String nodeSubnetPool, String networkSubnetPool) {
    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofMillis(1000);
    public static final Duration EMBEDDED_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
    public static final int DEFAULT_LISTEN_PORT = 7070;

    public SchedulerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("invalid listen port " + listenPort + ": must be 0-65535");
        }
        if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()) {
            throw new IllegalArgumentException("heartbeat timeout must be positive, got " + heartbeatTimeout);
        }
        defaultRegistry = defaultRegistry == null ? "" : defaultRegistry;
        metricsListen = metricsListen == null ? "" : metricsListen;
        nodeSubnetPool = nodeSubnetPool == null || nodeSubnetPool.isBlank() ? "10.42.0.0/16" : nodeSubnetPool;
        networkSubnetPool = networkSubnetPool == null || networkSubnetPool.isBlank() ? "10.43.0.0/16" : networkSubnetPool;
        for (String pool : new String[] {nodeSubnetPool, networkSubnetPool}) {
            try {
                var cidr = io.gantry.net.ipam.Cidr.parse(pool);
                if (cidr.prefix() > 24) {
                    throw new IllegalArgumentException("subnet pool " + pool + " is too small: it hands out /24s");
                }
            } catch (io.gantry.net.NetworkException e) {
                throw new IllegalArgumentException("invalid subnet pool \"" + pool + "\": " + e.getMessage());
            }
        }
        if (io.gantry.net.ipam.Cidr.parse(nodeSubnetPool).overlaps(io.gantry.net.ipam.Cidr.parse(networkSubnetPool))) {
            throw new IllegalArgumentException("the node and network subnet pools overlap: " + nodeSubnetPool + " and " + networkSubnetPool);
        }
        if (zkSessionTimeout == null) {
            // With the embedded ZooKeeper nobody can take over when this scheduler dies (ZooKeeper dies with it):
            // a short session would only risk stepping down under load for nothing.
            zkSessionTimeout = zkConnect == null ? EMBEDDED_ZK_SESSION_TIMEOUT : DEFAULT_ZK_SESSION_TIMEOUT;
        }
        if (zkSessionTimeout.toMillis() < 500) {
            throw new IllegalArgumentException("ZooKeeper session timeout must be at least 500ms, got " + zkSessionTimeout);
        }
    }

    public SchedulerConfig(String zkConnect, Path dataDir, String listenHost, int listenPort, String advertiseAddress,
                           String defaultRegistry, Duration heartbeatTimeout, long seed) {
        this(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry, heartbeatTimeout, seed, null, "", null, null, null);
    }

    /** The pools node subnets (a /24 each) and overlay networks' subnets come from. */
    public SchedulerConfig withSubnetPools(String nodePool, String networkPool) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry,
                heartbeatTimeout, seed, zkSessionTimeout, metricsListen, prometheusSdFile, nodePool, networkPool);
    }

    /** Where the leader writes Prometheus file_sd targets (itself and every agent's /metrics); null = nowhere. */
    public SchedulerConfig withPrometheusSdFile(Path file) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry,
                heartbeatTimeout, seed, zkSessionTimeout, metricsListen, file, nodeSubnetPool, networkSubnetPool);
    }

    /** Where /metrics, /healthz, /readyz and the status page are served ("" = nowhere; port 0 = a free one). */
    public SchedulerConfig withMetricsListen(String hostPort) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry,
                heartbeatTimeout, seed, zkSessionTimeout, hostPort, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }

    public SchedulerConfig withZkSessionTimeout(Duration timeout) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry,
                heartbeatTimeout, seed, timeout, metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }

    /** Embedded ZooKeeper, 127.0.0.1:7070, registry 127.0.0.1:5000, 5 s heartbeat timeout, seed 0. */
    public static SchedulerConfig defaults(Path dataDir) {
        return new SchedulerConfig(null, dataDir, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, null, "127.0.0.1:5000",
                Duration.ofSeconds(5), 0L);
    }

    public SchedulerConfig withZkConnect(String zk) {
        boolean derived = zkSessionTimeout.equals(zkConnect == null ? EMBEDDED_ZK_SESSION_TIMEOUT : DEFAULT_ZK_SESSION_TIMEOUT);
        return new SchedulerConfig(zk, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry, heartbeatTimeout, seed,
                derived ? null : zkSessionTimeout, metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }

    public SchedulerConfig withListen(String host, int port) {
        return new SchedulerConfig(zkConnect, dataDir, host, port, advertiseAddress, defaultRegistry, heartbeatTimeout, seed, zkSessionTimeout, metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }

    public SchedulerConfig withHeartbeatTimeout(Duration timeout) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry, timeout, seed, zkSessionTimeout, metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }

    public SchedulerConfig withSeed(long newSeed) {
        return new SchedulerConfig(zkConnect, dataDir, listenHost, listenPort, advertiseAddress, defaultRegistry, heartbeatTimeout, newSeed, zkSessionTimeout, metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
    }
}
