package io.gantry.e2e;

import io.gantry.image.registry.LocalRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Separately started processes (registry, `gantry scheduler`, `gantry agent`): a
 * `kill -9` of the agent leaves its container running; the restarted agent finds it,
 * reports it, and its logs go on.
 */
class AgentRestartIT {
    static final String CGROUP_PARENT = "gantry-e2e-restart";
    Path dataDir;
    LocalRegistry registry;
    Daemon scheduler;
    Daemon agent;
    String addr;

    @AfterEach
    void tearDown() throws Exception {
        if (addr != null && agent != null && agent.isAlive()) {
            Gantry.cli(addr, "rm", "-f", "ticker");
        }
        if (agent != null) {
            agent.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private Daemon startAgent() throws InterruptedException {
        return Daemon.start("agent", dataDir, "agent", "--scheduler", addr, "--name", "node-a",
                "--data-dir", dataDir.resolve("agent").toString(), "--cgroup-parent", CGROUP_PARENT,
                "--default-registry", registry.address())
                .awaitLine("registered", Duration.ofSeconds(60));
    }

    @Test
    void containersOutliveAKilledAgentAndAreFoundAgain() throws Exception {
        dataDir = Files.createTempDirectory("gantry-e2e-restart");
        registry = LocalRegistry.start(dataDir.resolve("registry"), 0);
        registry.seedBusybox(Path.of("/bin/busybox"));
        int port = Gantry.freePort();
        addr = "127.0.0.1:" + port;
        scheduler = Daemon.start("scheduler", dataDir, "scheduler", "--listen", addr,
                "--data-dir", dataDir.resolve("scheduler").toString(), "--default-registry", registry.address())
                .awaitLine("gantry scheduler: serving", Duration.ofSeconds(60));
        agent = startAgent();

        Gantry.Result run = Gantry.cli(addr, "run", "-d", "--name", "ticker", "busybox", "sh", "-c",
                "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done # e2e-ticker");
        assertThat(run.exit()).as(run.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> Gantry.cli(addr, "logs", "ticker").out().contains("tick 3"));
        List<Long> containerPids = Residue.processesWith("e2e-ticker");
        assertThat(containerPids).isNotEmpty();

        agent.kill();
        int beforeRestart = lastTick(Gantry.cli(addr, "logs", "--tail", "5", "ticker").out());
        Thread.sleep(1000);
        assertThat(Residue.processesWith("e2e-ticker")).as("the container survives its agent").containsAll(containerPids);

        agent = startAgent();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Gantry.cli(addr, "ps").out()).contains("ticker").contains("Up"));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                lastTick(Gantry.cli(addr, "logs", "--tail", "5", "ticker").out()) > beforeRestart + 5);
        assertThat(Residue.processesWith("e2e-ticker")).containsAll(containerPids);

        Gantry.Result rm = Gantry.cli(addr, "rm", "-f", "ticker");
        assertThat(rm.exit()).as(rm.toString()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> Residue.processesWith("e2e-ticker").isEmpty());
        agent.stop(Duration.ofSeconds(30));
        scheduler.stop(Duration.ofSeconds(30));
        registry.close();
        assertThat(Residue.find(dataDir, CGROUP_PARENT, dataDir.resolve("agent"))).isEmpty();
    }

    private static int lastTick(String logs) {
        Matcher m = Pattern.compile("tick (\\d+)").matcher(logs);
        int last = -1;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }
}
