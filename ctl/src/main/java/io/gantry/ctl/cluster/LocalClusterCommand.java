package io.gantry.ctl.cluster;

import io.gantry.ctl.cli.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code gantry local-cluster up|down}: a multi-host cluster on this machine, every
 * ZooKeeper server, scheduler and node agent in a network namespace of its own.
 */
@Command(name = "local-cluster", description = "Start or remove a multi-host cluster on this machine (network namespaces on a bridge).",
        subcommands = {LocalClusterCommand.Up.class, LocalClusterCommand.Down.class, LocalClusterCommand.Status.class})
public final class LocalClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: up, down or status");
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** {@code up}: prints progress, then {@code GANTRY_ADDR=...} and a line with {@code ready}. */
    @Command(name = "up", description = "Start the cluster; prints GANTRY_ADDR=... and 'ready'. The processes keep running after this command returns.",
            sortOptions = false)
    static final class Up implements Callable<Integer> {
        @Option(names = "--nodes", paramLabel = "N", description = "Node agents, each its own host (default: 3; at most 150)")
        int nodes = 3;

        @Option(names = "--schedulers", paramLabel = "S", description = "Schedulers (default: 3; at most 9)")
        int schedulers = 3;

        @Option(names = "--zk", paramLabel = "Z", description = "ZooKeeper servers (default: 3; at most 9)")
        int zk = 3;

        @Option(names = "--zones", paramLabel = "Z1,Z2,...", description = "Node label zone, given round-robin to node-1, node-2, ... (default: a,b,c)")
        String zones = "a,b,c";

        @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", description = "The schedulers' node heartbeat timeout (default: theirs)")
        String heartbeatTimeout;

        @Option(names = "--zk-session-timeout", paramLabel = "DURATION", description = "The schedulers' ZooKeeper session timeout, if they support it (default: theirs)")
        String zkSessionTimeout;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "Pids, logs (default: /run/gantry/local-cluster)")
        Path stateDir = LocalCluster.DEFAULT_STATE_DIR;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Data of every member (default: /var/lib/gantry/local-cluster)")
        Path dataDir = LocalCluster.DEFAULT_DATA_DIR;

        @Override
        public Integer call() throws Exception {
            List<String> zoneList = List.of(zones.strip().split("\\s*,\\s*"));
            if (zoneList.stream().anyMatch(z -> !z.matches("[A-Za-z0-9._-]+"))) {
                throw new IllegalArgumentException("invalid argument \"" + zones + "\" for \"--zones\": expected NAME[,NAME...]");
            }
            List<Map<String, String>> labels = new ArrayList<>();
            for (int k = 1; k <= Math.max(0, Math.min(nodes, AddressPlan.MAX_NODES)); k++) {
                labels.add(Map.of("zone", zoneList.get((k - 1) % zoneList.size())));
            }
            LocalCluster.Options o = LocalCluster.Options.defaults().withNodes(nodes).withSchedulers(schedulers).withZookeepers(zk)
                    .withDirs(stateDir, dataDir).withNodeLabels(labels);
            if (heartbeatTimeout != null) {
                o = o.withHeartbeatTimeout(Durations.parse("--heartbeat-timeout", heartbeatTimeout));
            }
            if (zkSessionTimeout != null) {
                o = o.withZkSessionTimeout(Durations.parse("--zk-session-timeout", zkSessionTimeout));
            }
            LocalCluster cluster = LocalCluster.up(o, LocalClusterCommand::print);
            print("GANTRY_ADDR=" + cluster.schedulerAddresses());
            print("local-cluster: ready. " + nodes + " node(s), " + schedulers + " scheduler(s), " + zk
                    + " ZooKeeper server(s), registry " + cluster.registryAddress() + " (busybox:latest); logs in "
                    + o.stateDir().resolve("logs") + ". Try: GANTRY_ADDR=" + cluster.schedulerAddresses()
                    + " ./gantry node ls; stop with: deploy/local-cluster down");
            return 0;
        }
    }

    /** {@code down}: idempotent, also after crashes and a failed up. */
    @Command(name = "down", description = "Stop everything the local cluster runs and remove its containers, namespaces, bridge and data.")
    static final class Down implements Callable<Integer> {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "As given to up (default: /run/gantry/local-cluster)")
        Path stateDir = LocalCluster.DEFAULT_STATE_DIR;

        @Override
        public Integer call() throws Exception {
            LocalCluster.down(stateDir, LocalClusterCommand::print);
            print("local-cluster: down");
            return 0;
        }
    }

    /** {@code status}: which members run, and which scheduler leads. */
    @Command(name = "status", description = "Show the local cluster's processes and its leader.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "As given to up (default: /run/gantry/local-cluster)")
        Path stateDir = LocalCluster.DEFAULT_STATE_DIR;

        @Override
        public Integer call() throws Exception {
            if (!java.nio.file.Files.exists(stateDir.resolve(ClusterState.FILE))) {
                throw new IllegalStateException("no local cluster is up (no state in " + stateDir + ")");
            }
            LocalCluster c = LocalCluster.attach(stateDir);
            print("GANTRY_ADDR=" + c.schedulerAddresses());
            for (Map.Entry<String, String> e : c.addresses().entrySet()) {
                String name = e.getKey();
                String mode = name.startsWith("zk-") && c.isAlive(name) ? c.zkMode(name) : "";
                print(String.format("%-10s %-15s %s%s", name, e.getValue(), c.isAlive(name) ? "running (pid " + c.pid(name) + ")" : "not running",
                        mode.isEmpty() ? "" : ", " + mode));
            }
            print("leader: " + c.leader().orElse("none"));
            return 0;
        }
    }
}
