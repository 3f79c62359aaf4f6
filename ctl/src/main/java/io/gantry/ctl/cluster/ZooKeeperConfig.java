package io.gantry.ctl.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The configuration of one server of a ZooKeeper ensemble, as {@code zoo.cfg} properties.
 * A small tick lets clients ask for short sessions (ZooKeeper grants 2..20 ticks unless told
 * otherwise), which is what makes a scheduler failover fast; the maximum is raised so that
 * a client asking for a longer session still gets it.
 *
 * @param id            this server's id, 1-based, its position in {@code servers}
 * @param servers       {@code host:peerPort:electionPort} per server, in id order
 * @param clientAddress the one address clients are served on
 */
public record ZooKeeperConfig(int id, List<String> servers, String clientAddress, int clientPort, Path dataDir, int tickMs) {
    public static final int DEFAULT_TICK_MS = 200;

    public ZooKeeperConfig {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("invalid argument \"\" for \"--servers\": at least one HOST:PEER:ELECTION is needed");
        }
        for (String s : servers) {
            String[] p = s.split(":");
            if (p.length != 3 || p[0].isBlank() || !isPort(p[1]) || !isPort(p[2])) {
                throw new IllegalArgumentException("invalid argument \"" + s + "\" for \"--servers\": expected HOST:PEER_PORT:ELECTION_PORT");
            }
        }
        if (id < 1 || id > servers.size()) {
            throw new IllegalArgumentException("invalid argument \"" + id + "\" for \"--id\": expected 1.." + servers.size() + " (one per --servers entry)");
        }
        if (clientPort < 1 || clientPort > 65535) {
            throw new IllegalArgumentException("invalid argument \"" + clientPort + "\" for \"--client-port\": expected 1..65535");
        }
        if (tickMs < 10 || tickMs > 10_000) {
            throw new IllegalArgumentException("invalid argument \"" + tickMs + "\" for \"--tick-ms\": expected 10..10000");
        }
        if (clientAddress == null || clientAddress.isBlank()) {
            clientAddress = servers.get(id - 1).split(":")[0];
        }
    }

    private static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535;
    }

    /** Parses {@code --servers host:peer:election,...}. */
    public static List<String> parseServers(String value) {
        return List.of(value.strip().split("\\s*,\\s*"));
    }

    public Properties properties() {
        Properties p = new Properties();
        p.setProperty("tickTime", Integer.toString(tickMs));
        // Followers get 20 ticks to sync at start, 10 to keep up: generous on a loaded 2-core box.
        p.setProperty("initLimit", "20");
        p.setProperty("syncLimit", "10");
        p.setProperty("minSessionTimeout", Integer.toString(2 * tickMs));
        p.setProperty("maxSessionTimeout", "60000");
        p.setProperty("dataDir", dataDir.toAbsolutePath().toString());
        p.setProperty("clientPort", Integer.toString(clientPort));
        p.setProperty("clientPortAddress", clientAddress);
        // One server is still a (one-member) quorum peer: the same code path as three.
        p.setProperty("standaloneEnabled", "false");
        p.setProperty("quorumListenOnAllIPs", "false");
        // Unknown keys become zookeeper.* system properties: no admin web server, only harmless 4lw.
        p.setProperty("admin.enableServer", "false");
        p.setProperty("4lw.commands.whitelist", "ruok,srvr");
        p.setProperty("autopurge.purgeInterval", "0");
        for (int i = 0; i < servers.size(); i++) {
            p.setProperty("server." + (i + 1), servers.get(i));
        }
        return p;
    }

    /** The properties as a {@code zoo.cfg} text, keys sorted (what the example configs look like). */
    public String toCfg() {
        StringBuilder sb = new StringBuilder();
        properties().stringPropertyNames().stream().sorted().forEach(k -> sb.append(k).append('=').append(properties().getProperty(k)).append('\n'));
        return sb.toString();
    }
}
