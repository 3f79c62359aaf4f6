package io.gantry.e2e;

import io.gantry.image.registry.LocalRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two `gantry scheduler` processes on one ZooKeeper: one leads; an agent and the CLI
 * pointed at the other (or at a dead address first) reach the leader anyway.
 */
class TwoSchedulersIT {
    static final String CGROUP_PARENT = "gantry-e2e-two";
    Path dataDir;
    LocalRegistry registry;
    Daemon first;
    Daemon second;
    Daemon agent;

    @AfterEach
    void tearDown() throws Exception {
        for (Daemon d : new Daemon[] {agent, second, first}) {
            if (d != null) {
                d.close();
            }
        }
        if (registry != null) {
            registry.close();
        }
        if (dataDir != null) {
            io.gantry.image.fs.FileTrees.delete(dataDir);
        }
    }

    @Test
    void theFollowerPointsAgentsAndTheCliAtTheLeader() throws Exception {
        dataDir = Files.createTempDirectory("gantry-e2e-two");
        registry = LocalRegistry.start(dataDir.resolve("registry"), 0);
        registry.seedBusybox(Path.of("/bin/busybox"));
        String leaderAddr = "127.0.0.1:" + Gantry.freePort();
        first = Daemon.start("scheduler-1", dataDir, "scheduler", "--listen", leaderAddr,
                "--data-dir", dataDir.resolve("s1").toString(), "--default-registry", registry.address(),
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort())
                .awaitLine("gantry scheduler: serving", Duration.ofSeconds(60));
        Matcher zk = Pattern.compile("--zk (\\S+)\\)").matcher(first.output());
        assertThat(zk.find()).as(first.output()).isTrue();

        String followerAddr = "127.0.0.1:" + Gantry.freePort();
        second = Daemon.start("scheduler-2", dataDir, "scheduler", "--listen", followerAddr, "--zk", zk.group(1),
                "--data-dir", dataDir.resolve("s2").toString(), "--default-registry", registry.address(),
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort())
                .awaitLine("gantry scheduler: serving", Duration.ofSeconds(60));

        agent = Daemon.start("agent", dataDir, "agent", "--scheduler", followerAddr, "--name", "node-2s",
                "--data-dir", dataDir.resolve("agent").toString(), "--cgroup-parent", CGROUP_PARENT, "--dns-upstream", "none",
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort())
                .awaitLine("registered", Duration.ofSeconds(60));

        String viaFollower = "127.0.0.1:1," + followerAddr;
        Gantry.Result nodes = Gantry.cli(viaFollower, "node", "ls");
        assertThat(nodes.exit()).as(nodes.toString()).isZero();
        assertThat(nodes.out()).contains("node-2s").contains("Ready");
        Gantry.Result run = Gantry.cli(viaFollower, "run", "--rm", "busybox", "echo", "through the follower");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("through the follower\n");

        agent.stop(Duration.ofSeconds(30));
        second.stop(Duration.ofSeconds(30));
        first.stop(Duration.ofSeconds(30));
        registry.close();
        assertThat(Residue.findAfterStop(dataDir, CGROUP_PARENT, dataDir.resolve("agent"))).isEmpty();
    }
}
