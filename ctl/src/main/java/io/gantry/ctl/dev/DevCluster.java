package io.gantry.ctl.dev;

import io.gantry.agent.AgentConfig;
import io.gantry.agent.NodeAgent;
import io.gantry.image.fs.FileTrees;
import io.gantry.image.registry.LocalRegistry;
import io.gantry.scheduler.SchedulerConfig;
import io.gantry.scheduler.SchedulerServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A one-machine cluster: local registry (seeded with busybox), embedded ZooKeeper and
 * scheduler, one node agent, in this JVM except the registry. Cluster state starts
 * fresh each time; images stay cached in the data dir.
 */
public final class DevCluster implements AutoCloseable {
    /** Where {@code gantry dev} finds the static busybox it builds its test image from. */
    static final Path BUSYBOX = Path.of("/bin/busybox");

    /**
     * @param metricsListen      where the scheduler serves /metrics and the status page ("" = off)
     * @param agentMetricsListen where the agent serves its /metrics ("" = off)
     * @param prometheusSdFile   where the scheduler keeps Prometheus file_sd targets (null = nowhere)
     * @param dnsUpstreams       {@code --dns-upstream} values (empty: the host's resolv.conf; "none": nowhere)
     */
    public record Settings(Path dataDir, int schedulerPort, int registryPort, String nodeName, String cgroupParent,
                           String metricsListen, String agentMetricsListen, Path prometheusSdFile, List<String> dnsUpstreams) {
        public Settings {
            dnsUpstreams = dnsUpstreams == null ? List.of() : List.copyOf(dnsUpstreams);
        }

        public Settings(Path dataDir, int schedulerPort, int registryPort, String nodeName, String cgroupParent) {
            this(dataDir, schedulerPort, registryPort, nodeName, cgroupParent, "", "", null, List.of());
        }
    }

    private final LocalRegistry registry;
    private final SchedulerServer scheduler;
    private final NodeAgent agent;
    private final io.gantry.agent.AgentEndpoint endpoint;

    private DevCluster(LocalRegistry registry, SchedulerServer scheduler, NodeAgent agent, io.gantry.agent.AgentEndpoint endpoint) {
        this.registry = registry;
        this.scheduler = scheduler;
        this.agent = agent;
        this.endpoint = endpoint;
    }

    public static DevCluster start(Settings s, Consumer<String> progress) throws Exception {
        SystemPackages.ensure(SystemPackages.NODE);
        Files.createDirectories(s.dataDir());
        LocalRegistry registry = null;
        SchedulerServer scheduler = null;
        NodeAgent agent = null;
        io.gantry.agent.AgentEndpoint endpoint = null;
        try {
            progress.accept("gantry dev: starting registry on 127.0.0.1:" + s.registryPort());
            registry = LocalRegistry.start(s.dataDir().resolve("registry"), s.registryPort());
            registry.seedBusybox(BUSYBOX);
            String registryAddress = registry.address();

            // Fresh cluster state each start: leftover containers of a crashed run are
            // then unknown to the scheduler, and the agent's reconciliation removes them.
            FileTrees.delete(s.dataDir().resolve("scheduler"));
            progress.accept("gantry dev: starting ZooKeeper and scheduler on 127.0.0.1:" + s.schedulerPort());
            SchedulerConfig config = new SchedulerConfig(null, s.dataDir().resolve("scheduler"), "127.0.0.1",
                    s.schedulerPort(), null, registryAddress, Duration.ofSeconds(5), 1L).withMetricsListen(s.metricsListen())
                    .withPrometheusSdFile(s.prometheusSdFile());
            scheduler = SchedulerServer.start(config, Clock.systemUTC());
            if (!scheduler.awaitLeadership(Duration.ofSeconds(30))) {
                throw new IllegalStateException("the scheduler did not become leader within 30 s");
            }

            progress.accept("gantry dev: starting node agent " + s.nodeName());
            Path agentDir = s.dataDir().resolve("agent");
            AgentConfig agentConfig = AgentSetup.config(List.of(scheduler.address()), s.nodeName(), "127.0.0.1",
                    agentDir, Map.of(), registryAddress, s.cgroupParent(), AgentConfig.DEFAULT_RUNC);
            endpoint = io.gantry.agent.AgentEndpoint.create(s.nodeName());
            var network = io.gantry.agent.net.NetworkOptions.forAgent(s.nodeName(), agentConfig.runcRoot(),
                    io.gantry.agent.net.NetworkOptions.parseUpstreams(s.dnsUpstreams(), Path.of("/etc/resolv.conf")));
            agent = new NodeAgent(agentConfig, Images.open(agentDir.resolve("images")), Clock.systemUTC(), endpoint.metrics(), network);
            endpoint.serve(agent, s.agentMetricsListen(), Clock.systemUTC());
            agent.start();
            if (!agent.awaitRegistered(Duration.ofSeconds(30))) {
                throw new IllegalStateException("the node agent did not register within 30 s");
            }
            return new DevCluster(registry, scheduler, agent, endpoint);
        } catch (Exception | Error e) {
            new DevCluster(registry, scheduler, agent, endpoint).close();
            throw e;
        }
    }

    public String schedulerAddress() {
        return scheduler.address();
    }

    /** The status page and /metrics, when served. */
    public java.util.Optional<String> metricsAddress() {
        return scheduler.metricsAddress();
    }

    public String registryAddress() {
        return registry.address();
    }

    /** Stops everything and removes every container, mount, cgroup and process it made. */
    @Override
    public void close() {
        if (agent != null) {
            // Disconnect first: a connected agent would still start what the scheduler
            // places while we remove (e.g. a pending workload that fits once others go).
            try {
                agent.close();
            } finally {
                agent.removeAllContainers();
            }
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
