package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Daemon;
import io.gantry.ctl.dev.DevCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code gantry dev}: a whole one-machine cluster in one command (ZooKeeper, scheduler,
 * a node agent, a registry seeded with busybox). Like {@code nomad agent -dev} its
 * cluster state is fresh on every start; Ctrl-C removes every container it ran.
 */
@Command(name = "dev", description = "Start a one-machine cluster for development (Ctrl-C stops it and cleans up).", sortOptions = false)
public final class DevCommand implements Callable<Integer> {
    @ParentCommand
    io.gantry.ctl.Main main;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where it keeps its state (default: /var/lib/gantry/dev)")
    Path dataDir = Path.of("/var/lib/gantry/dev");

    @Option(names = "--port", description = "Scheduler port on 127.0.0.1 (default: 7070)")
    int port = 7070;

    @Option(names = "--registry-port", description = "Local registry port on 127.0.0.1 (default: 5000)")
    int registryPort = 5000;

    @Option(names = "--node-name", description = "Name of the one node (default: the host name)")
    String nodeName;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "HTTP address for the scheduler's /metrics and status page; \"\" = off (default: 127.0.0.1:9470)")
    String metricsListen = "127.0.0.1:9470";

    @Option(names = "--agent-metrics-listen", paramLabel = "HOST:PORT", description = "HTTP address for the agent's /metrics; \"\" = off (default: 127.0.0.1:9471)")
    String agentMetricsListen = "127.0.0.1:9471";

    @Option(names = "--prometheus-sd-file", paramLabel = "FILE", description = "Keep Prometheus file_sd targets (scheduler and agent) in FILE")
    Path prometheusSdFile;

    @Option(names = "--cgroup-parent", description = "Parent cgroup for containers (default: gantry)")
    String cgroupParent = "gantry";

    // agentnet
    @Option(names = "--dns-upstream", paramLabel = "IP[:PORT]", description = "Where the built-in DNS forwards other names (repeatable; default: the host's /etc/resolv.conf; none: nowhere)")
    java.util.List<String> dnsUpstreams = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String node = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName();
        main.configureLogging("dev", node);
        DevCluster cluster = DevCluster.start(new DevCluster.Settings(dataDir, port, registryPort, node, cgroupParent,
                metricsListen, agentMetricsListen, prometheusSdFile, dnsUpstreams),
                line -> {
                    System.out.println(line);
                    System.out.flush();
                });
        System.out.println("gantry dev: ready. scheduler " + cluster.schedulerAddress() + ", registry "
                + cluster.registryAddress() + ", node " + node
                + cluster.metricsAddress().map(a -> ", status page http://" + a + "/").orElse("")
                + ". Try: ./gantry run busybox echo hello");
        System.out.flush();
        Daemon.runUntilSignalled(() -> {
            System.out.println("gantry dev: stopping, removing containers ...");
            System.out.flush();
            cluster.close();
            System.out.println("gantry dev: stopped");
            System.out.flush();
        });
        return 0;
    }
}
