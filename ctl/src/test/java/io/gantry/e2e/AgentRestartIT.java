package io.gantry.e2e;

import io.gantry.image.registry.LocalRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Separately started processes (registry, `gantry scheduler`, `gantry agent`): a
 * `kill -9` of the agent leaves its container running; the restarted agent finds it,
 * reports it, and its logs go on. Then a `kill -9` of the scheduler: the restarted one
 * has every workload, and the agent and the CLI find it again.
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
        if (addr != null && agent != null && agent.isAlive() && scheduler != null && scheduler.isAlive()) {
            Gantry.cli(addr, "rm", "-f", "ticker", "mid");
        }
        if (agent != null) {
            agent.close();
            // agentnet: a stopped agent keeps its node's networking for its containers; the test removes it
            new io.gantry.agent.net.AgentNetworking(io.gantry.agent.net.NetworkOptions.forAgent("node-a",
                    io.gantry.ctl.dev.AgentSetup.runcRoot(dataDir.resolve("agent")), List.of())).removeAll();
            assertThat(Residue.hostNetworking()).as("the agent's networking is gone").isEmpty();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (dataDir != null) {
            io.gantry.image.fs.FileTrees.delete(dataDir);
        }
    }

    private Daemon startScheduler() throws InterruptedException {
        return Daemon.start("scheduler", dataDir, "scheduler", "--listen", addr,
                "--data-dir", dataDir.resolve("scheduler").toString(), "--default-registry", registry.address(),
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort())
                .awaitLine("gantry scheduler: serving", Duration.ofSeconds(60));
    }

    private Daemon startAgent(String... extra) throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("agent", "--scheduler", addr, "--name", "node-a",
                "--data-dir", dataDir.resolve("agent").toString(), "--cgroup-parent", CGROUP_PARENT,
                "--default-registry", registry.address(), "--metrics-listen", "127.0.0.1:" + Gantry.freePort(),
                "--dns-upstream", "none")); // no DNS off the machine
        args.addAll(List.of(extra));
        return Daemon.start("agent", dataDir, args.toArray(String[]::new)).awaitLine("registered", Duration.ofSeconds(60));
    }

    @BeforeEach
    void startCluster() throws Exception {
        dataDir = Files.createTempDirectory("gantry-e2e-restart");
        registry = LocalRegistry.start(dataDir.resolve("registry"), 0);
        registry.seedBusybox(Path.of("/bin/busybox"));
        addr = "127.0.0.1:" + Gantry.freePort();
        scheduler = startScheduler();
        agent = startAgent();
    }

    /**
     * kill -9 of the agent while conmon is running `runc create` (made slow on purpose):
     * the restarted agent must let that finish before cleaning up, or runc creates the
     * container after the clean-up and every later start fails with "already exists".
     * Then the container runs exactly once, and removing it leaves nothing behind.
     */
    @Test
    void anAgentKilledDuringRuncCreateStartsTheContainerExactlyOnce() throws Exception {
        Path slowRunc = dataDir.resolve("slow-runc");
        // runc create really creates the container, then lingers: the kill lands while the
        // container exists in runc's state but conmon has not reported it yet
        Files.writeString(slowRunc, "#!/bin/sh\n/usr/sbin/runc \"$@\"; rc=$?\n"
                + "for a in \"$@\"; do [ \"$a\" = create ] && sleep 2; done\nexit $rc\n");
        Files.setPosixFilePermissions(slowRunc, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        agent.stop(Duration.ofSeconds(30));
        agent = startAgent("--runc", slowRunc.toString());

        Gantry.Result run = Gantry.cli(addr, "run", "-d", "--name", "mid", "busybox", "sh", "-c",
                "while true; do sleep 1; done # e2e-midstart");
        assertThat(run.exit()).as(run.toString()).isZero();
        await("conmon is creating the container").atMost(Duration.ofSeconds(20))
                .until(() -> !Residue.processesWith("slow-runc").isEmpty());
        agent.kill();
        agent = startAgent();
        await("the container runs").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(Gantry.cli(addr, "ps").out()).contains("mid").contains("Up"));
        Thread.sleep(1000);
        assertThat(Residue.processesWith("e2e-midstart")).as("exactly one container process").hasSize(1);

        Gantry.Result rm = Gantry.cli(addr, "rm", "-f", "mid");
        assertThat(rm.exit()).as(rm.toString()).isZero();
        agent.stop(Duration.ofSeconds(30));
        scheduler.stop(Duration.ofSeconds(30));
        registry.close();
        assertThat(Residue.processesWith("e2e-midstart")).isEmpty();
        assertThat(Residue.find(dataDir, CGROUP_PARENT, dataDir.resolve("agent"))).isEmpty();
    }

    @Test
    void containersOutliveAKilledAgentAndAreFoundAgain() throws Exception {

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

        // Now the scheduler crashes: its state is in ZooKeeper (embedded, in its data dir).
        // The restarted one takes over once the dead one's session expires; the CLI waits
        // through the takeover, the agent reconnects, the container never stops.
        scheduler.kill();
        scheduler = startScheduler();
        Gantry.Result ps = Gantry.cli(addr, "ps");
        assertThat(ps.exit()).as(ps.toString()).isZero();
        assertThat(ps.out()).contains("ticker").contains("Up");
        await("logs are served again once the agent is back").atMost(Duration.ofSeconds(30))
                .until(() -> lastTick(Gantry.cli(addr, "logs", "--tail", "5", "ticker").out()) > 0);
        int served = lastTick(Gantry.cli(addr, "logs", "--tail", "5", "ticker").out());
        await("the container is still writing").atMost(Duration.ofSeconds(10))
                .until(() -> lastTick(Gantry.cli(addr, "logs", "--tail", "5", "ticker").out()) > served);
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
