package io.gantry.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * `gantry dev` killed with -9 (no chance to clean up) and started again on the same data
 * dir: the new run takes over the old registry's port and removes the containers the
 * crashed run left, and its own stop leaves nothing behind.
 */
class DevCrashIT {
    static final String CGROUP_PARENT = "gantry-e2e-crash";
    Path dataDir;
    Daemon dev;

    private Daemon startDev(int port, int registryPort) throws InterruptedException {
        return Daemon.start("dev", dataDir, "dev", "--data-dir", dataDir.toString(), "--port", String.valueOf(port),
                "--registry-port", String.valueOf(registryPort), "--node-name", "node-c", "--cgroup-parent", CGROUP_PARENT,
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort(), "--agent-metrics-listen", "127.0.0.1:" + Gantry.freePort(),
                "--dns-upstream", "none" /* tests never send DNS off the machine */)
                .awaitLine("ready", Duration.ofSeconds(120));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dev != null) {
            dev.close();
        }
        if (dataDir != null) {
            io.gantry.image.fs.FileTrees.delete(dataDir); // images and registry blobs: the dev cluster keeps them
        }
    }

    @Test
    void aKilledDevClusterIsCleanedUpByTheNextOne() throws Exception {
        dataDir = Files.createTempDirectory("gantry-e2e-crash");
        int port = Gantry.freePort();
        int registryPort = Gantry.freePort();
        String addr = "127.0.0.1:" + port;
        dev = startDev(port, registryPort);
        Gantry.Result run = Gantry.cli(addr, "run", "-d", "--name", "orphan", "busybox", "sh", "-c",
                "while true; do sleep 1; done # e2e-crash-orphan");
        assertThat(run.exit()).as(run.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Residue.processesWith("e2e-crash-orphan").isEmpty());

        dev.kill();
        assertThat(Residue.processesWith("e2e-crash-orphan")).as("containers outlive a crashed dev").isNotEmpty();

        dev = startDev(port, registryPort);
        await().atMost(Duration.ofSeconds(30)).until(() -> Residue.processesWith("e2e-crash-orphan").isEmpty());
        Gantry.Result ps = Gantry.cli(addr, "ps", "-a");
        assertThat(ps.out()).doesNotContain("orphan");
        Gantry.Result echo = Gantry.cli(addr, "run", "--rm", "busybox", "echo", "after the crash");
        assertThat(echo.out()).as(echo.toString()).isEqualTo("after the crash\n");

        dev.stop(Duration.ofSeconds(60));
        assertThat(Residue.findAfterStop(dataDir, CGROUP_PARENT, dataDir.resolve("agent"))).isEmpty();
    }
}
