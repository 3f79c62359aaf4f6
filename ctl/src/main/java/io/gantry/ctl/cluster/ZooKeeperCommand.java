package io.gantry.ctl.cluster;

import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code gantry zookeeper}: one server of a ZooKeeper ensemble (a real QuorumPeer), so that
 * the local cluster needs nothing but the gantry jar. Runs until killed.
 */
@Command(name = "zookeeper", description = "Run one ZooKeeper server of an ensemble (for the local cluster and tests).", sortOptions = false)
public final class ZooKeeperCommand implements Callable<Integer> {
    @Option(names = "--id", required = true, description = "This server's id: its 1-based position in --servers")
    int id;

    @Option(names = "--servers", required = true, paramLabel = "HOST:PEER:ELECTION[,...]", description = "Every server of the ensemble, in id order")
    String servers;

    @Option(names = "--client-port", paramLabel = "PORT", description = "Client port (default: 2181)")
    int clientPort = AddressPlan.ZK_CLIENT_PORT;

    @Option(names = "--client-address", paramLabel = "HOST", description = "Address clients are served on (default: this server's host in --servers)")
    String clientAddress;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Snapshots and transaction logs")
    Path dataDir;

    @Option(names = "--tick-ms", paramLabel = "MS", description = "ZooKeeper's tickTime; sessions may be 2..300 ticks (default: 200)")
    int tickMs = ZooKeeperConfig.DEFAULT_TICK_MS;

    @Override
    public Integer call() throws Exception {
        ZooKeeperConfig cfg = new ZooKeeperConfig(id, ZooKeeperConfig.parseServers(servers), clientAddress, clientPort, dataDir, tickMs);
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("myid"), Integer.toString(id) + "\n", StandardCharsets.UTF_8);
        Files.writeString(dataDir.resolve("zoo.cfg"), cfg.toCfg(), StandardCharsets.UTF_8);
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.4lw.commands.whitelist", "ruok,srvr");
        System.setProperty("zookeeper.jmx.log4j.disable", "true");
        QuorumPeerConfig config = new QuorumPeerConfig();
        config.parseProperties(cfg.properties());
        System.out.println("gantry zookeeper: server " + id + " serving clients on " + cfg.clientAddress() + ":" + clientPort);
        System.out.flush();
        new QuorumPeerMain().runFromConfig(config); // returns when the peer stops
        return 0;
    }

    /** Lets the harness run this without a registration in Main: {@code java -cp gantry.jar io.gantry.ctl.cluster.ZooKeeperCommand ...}. */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new ZooKeeperCommand());
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            System.err.println("gantry zookeeper: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage().lines().findFirst().orElse("")));
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
