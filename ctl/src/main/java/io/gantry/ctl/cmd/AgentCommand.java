package io.gantry.ctl.cmd;

import io.gantry.agent.AgentConfig;
import io.gantry.agent.NodeAgent;
import io.gantry.ctl.cli.Daemon;
import io.gantry.ctl.cli.Durations;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.dev.AgentSetup;
import io.gantry.ctl.dev.Images;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code gantry agent}: the node agent. Stopping it (even with kill -9) leaves its
 * containers running; a restarted agent finds them again.
 */
@Command(name = "agent", description = "Run a node agent that runs containers for the scheduler.", sortOptions = false)
public final class AgentCommand implements Callable<Integer> {
    @ParentCommand
    io.gantry.ctl.Main main;

    @Option(names = "--scheduler", required = true, paramLabel = "HOST:PORT[,...]", description = "Scheduler address(es)")
    String scheduler;

    @Option(names = "--name", description = "Node name (default: the host name)")
    String name;

    @Option(names = "--advertise", paramLabel = "HOST", description = "Address this node is reached at (default: 127.0.0.1)")
    String advertise = "127.0.0.1";

    @Option(names = "--data-dir", paramLabel = "DIR", description = "State directory: images, containers, logs (default: /var/lib/gantry/agent)")
    Path dataDir = Path.of("/var/lib/gantry/agent");

    @Option(names = "--labels", paramLabel = "K=V[,K=V...]", description = "Node labels for placement constraints")
    String labels;

    @Option(names = "--default-registry", paramLabel = "HOST:PORT", description = "Registry for unqualified images until the scheduler says otherwise (default: 127.0.0.1:5000)")
    String defaultRegistry = "127.0.0.1:5000";

    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT", description = "A registry to pull from over plain http (repeatable; loopback registries always are)")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--cgroup-parent", description = "Parent cgroup for containers (default: gantry)")
    String cgroupParent = "gantry";

    @Option(names = "--runc", paramLabel = "PATH", description = "The OCI runtime binary (default: /usr/sbin/runc)")
    Path runc = AgentConfig.DEFAULT_RUNC;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "HTTP address for /metrics, /healthz and /readyz; \"\" = off (default: 127.0.0.1:9471)")
    String metricsListen = "127.0.0.1:9471";

    @Option(names = "--runtime", paramLabel = "runc|sim", description = "runc: real containers (default); sim: simulated containers for scale tests (hollow node)")
    String runtime = "runc";

    // agentnet
    @Option(names = "--dns-upstream", paramLabel = "IP[:PORT]", description = "Where the built-in DNS forwards other names (repeatable; default: the host's /etc/resolv.conf; none: nowhere)")
    List<String> dnsUpstreams = new ArrayList<>();

    @Option(names = "--sim-start-latency", paramLabel = "DURATION", description = "With --runtime sim: how long a simulated container takes to start (default: 50ms)")
    String simStartLatency = "50ms";

    @Override
    public Integer call() throws Exception {
        String node = name != null ? name : InetAddress.getLocalHost().getHostName();
        main.configureLogging("agent", node);
        if (!runtime.equals("runc") && !runtime.equals("sim")) {
            throw new IllegalArgumentException("invalid argument \"" + runtime + "\" for \"--runtime\": must be runc or sim");
        }
        if (runtime.equals("sim")) {
            return runSimulated(node);
        }
        if (!java.nio.file.Files.isExecutable(runc)) {
            throw new IllegalArgumentException("invalid argument \"" + runc + "\" for \"--runc\": not an executable file");
        }
        Set<String> insecure = new LinkedHashSet<>();
        for (String r : insecureRegistries) {
            if (!r.matches("[A-Za-z0-9.\\-]+(:\\d{1,5})?")) {
                throw new IllegalArgumentException("invalid argument \"" + r + "\" for \"--insecure-registry\": expected HOST[:PORT]");
            }
            insecure.add(r);
        }
        AgentConfig config = AgentSetup.config(SchedulerClient.parseAddresses(scheduler), node, advertise, dataDir,
                Flags.labels(labels), defaultRegistry, cgroupParent, runc);
        var endpoint = io.gantry.agent.AgentEndpoint.create(node);
        var network = io.gantry.agent.net.NetworkOptions.forAgent(node, config.runcRoot(),
                io.gantry.agent.net.NetworkOptions.parseUpstreams(dnsUpstreams, java.nio.file.Path.of("/etc/resolv.conf")));
        NodeAgent agent = new NodeAgent(config, Images.open(dataDir.resolve("images"), insecure), Clock.systemUTC(),
                endpoint.metrics(), network);
        endpoint.serve(agent, metricsListen, Clock.systemUTC());
        agent.start();
        endpoint.address().ifPresent(a -> System.out.println("gantry agent: metrics on http://" + a + "/metrics"));
        System.out.println("gantry agent: node " + node + " connecting to " + scheduler);
        if (agent.awaitRegistered(Duration.ofSeconds(30))) {
            System.out.println("gantry agent: registered");
        }
        System.out.flush();
        Daemon.runUntilSignalled(() -> {
            agent.close();
            endpoint.close();
        });
        return 0;
    }

    /** A hollow node: the real agent and protocol, containers simulated, nothing written to disk. */
    private int runSimulated(String node) throws Exception {
        var latency = Durations.parse("--sim-start-latency", simStartLatency);
        AgentConfig config = AgentConfig.defaults(SchedulerClient.parseAddresses(scheduler), node, dataDir)
                .withLabels(Flags.labels(labels));
        var shared = new io.gantry.agent.sim.SharedResources(1, 1);
        NodeAgent agent = NodeAgent.simulated(config, io.gantry.agent.sim.SimSettings.defaults().withStartLatency(latency),
                Clock.systemUTC(), shared);
        agent.start();
        System.out.println("gantry agent: simulated node " + node + " connecting to " + scheduler);
        if (agent.awaitRegistered(Duration.ofSeconds(30))) {
            System.out.println("gantry agent: registered");
        }
        System.out.flush();
        Daemon.runUntilSignalled(() -> {
            agent.close();
            shared.close();
        });
        return 0;
    }
}
