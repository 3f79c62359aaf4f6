package io.gantry.ctl.cluster;

import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZooKeeperConfigTest {
    static final List<String> SERVERS = List.of("10.77.0.11:2888:3888", "10.77.0.12:2888:3888", "10.77.0.13:2888:3888");

    @Test
    void aSmallTickListeningOnlyOnItsOwnAddress(@TempDir Path dir) {
        Properties p = new ZooKeeperConfig(2, SERVERS, null, 2181, dir, 200).properties();
        assertThat(p.getProperty("tickTime")).isEqualTo("200");
        assertThat(p.getProperty("minSessionTimeout")).isEqualTo("400");
        assertThat(p.getProperty("clientPortAddress")).isEqualTo("10.77.0.12");
        assertThat(p.getProperty("clientPort")).isEqualTo("2181");
        assertThat(p.getProperty("server.1")).isEqualTo("10.77.0.11:2888:3888");
        assertThat(p.getProperty("server.3")).isEqualTo("10.77.0.13:2888:3888");
        assertThat(p.getProperty("admin.enableServer")).isEqualTo("false");
        assertThat(p.getProperty("quorumListenOnAllIPs")).isEqualTo("false");
        assertThat(p.getProperty("dataDir")).isEqualTo(dir.toString());
    }

    @Test
    void zooKeeperAcceptsTheConfiguration(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("myid"), "3\n");
        QuorumPeerConfig parsed = new QuorumPeerConfig();
        parsed.parseProperties(new ZooKeeperConfig(3, SERVERS, null, 2181, dir, 250).properties());
        assertThat(parsed.getServerId()).isEqualTo(3);
        assertThat(parsed.getTickTime()).isEqualTo(250);
        assertThat(parsed.getMinSessionTimeout()).isEqualTo(500);
        assertThat(parsed.getMaxSessionTimeout()).isEqualTo(60000);
        assertThat(parsed.getClientPortAddress().getHostString()).isEqualTo("10.77.0.13");
        assertThat(parsed.isDistributed()).isTrue();
        assertThat(parsed.getServers()).hasSize(3);
    }

    @Test
    void theCfgTextIsSortedKeyValueLines(@TempDir Path dir) {
        String cfg = new ZooKeeperConfig(1, SERVERS.subList(0, 1), "10.77.0.11", 2181, dir, 200).toCfg();
        assertThat(cfg).contains("server.1=10.77.0.11:2888:3888\n", "tickTime=200\n", "standaloneEnabled=false\n");
        assertThat(cfg.lines().toList()).isSorted();
    }

    @Test
    void badValuesAreOneLineErrors(@TempDir Path dir) {
        assertThatThrownBy(() -> new ZooKeeperConfig(4, SERVERS, null, 2181, dir, 200))
                .hasMessage("invalid argument \"4\" for \"--id\": expected 1..3 (one per --servers entry)");
        assertThatThrownBy(() -> new ZooKeeperConfig(1, List.of("10.77.0.11:2888"), null, 2181, dir, 200))
                .hasMessage("invalid argument \"10.77.0.11:2888\" for \"--servers\": expected HOST:PEER_PORT:ELECTION_PORT");
        assertThatThrownBy(() -> new ZooKeeperConfig(1, SERVERS, null, 70000, dir, 200)).hasMessageContaining("--client-port");
        assertThatThrownBy(() -> new ZooKeeperConfig(1, SERVERS, null, 2181, dir, 0)).hasMessageContaining("--tick-ms");
        assertThat(ZooKeeperConfig.parseServers(" a:1:2 , b:3:4")).containsExactly("a:1:2", "b:3:4");
    }

    /** The operator example (deploy/examples/zookeeper) is a configuration ZooKeeper accepts. */
    @Test
    void theDeployExampleParses(@TempDir Path dir) throws Exception {
        Path example = Path.of("../deploy/examples/zookeeper/zoo-2.cfg");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(example), "run from the ctl module of the repository");
        Properties p = new Properties();
        try (var in = Files.newInputStream(example)) {
            p.load(in);
        }
        p.setProperty("dataDir", dir.toString());
        Files.writeString(dir.resolve("myid"), "2\n");
        QuorumPeerConfig parsed = new QuorumPeerConfig();
        parsed.parseProperties(p);
        assertThat(parsed.getServers()).hasSize(3);
        assertThat(parsed.getClientPortAddress().getHostString()).isEqualTo("10.0.0.12");
        assertThat(parsed.getMinSessionTimeout()).isEqualTo(500);
    }
}
