package io.gantry.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** pause / unpause / kill / rename / start / restart / container prune through `gantry dev`, real runc. */
class LifecycleIT {
    static DevFixture cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = DevFixture.start("lifecycle", "gantry-e2e-lifecycle");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.stop();
        }
    }

    private static Gantry.Result gantry(String... args) {
        return cluster.gantry(args);
    }

    private static boolean psShows(String name, String status) {
        return gantry("ps", "-a").out().lines().anyMatch(l -> l.contains(name) && l.contains(status));
    }

    @Test
    void theLifecycleVerbs() {
        Gantry.Result run = gantry("run", "-d", "--name", "life", "busybox", "sh", "-c",
                "trap 'exit 42' HUP; trap 'exit 0' TERM; while true; do sleep 0.1; done");
        assertThat(run.exit()).as(run.toString()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> psShows("life", "Up "));

        assertThat(gantry("pause", "life").exit()).isZero();
        assertThat(psShows("life", "(Paused)")).isTrue();
        assertThat(gantry("unpause", "life").exit()).isZero();

        assertThat(gantry("kill", "-s", "HUP", "life").exit()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> psShows("life", "Exited (42)"));

        assertThat(gantry("kill", "life").err().strip()).isEqualTo("gantry: container life is not running");
        assertThat(gantry("rename", "life", "life2").exit()).isZero();
        assertThat(gantry("start", "life2").exit()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> psShows("life2", "Up "));
        assertThat(gantry("restart", "-t", "1", "life2").exit()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> psShows("life2", "Up "));
        assertThat(gantry("stop", "life2").exit()).isZero();
        Gantry.Result pruned = gantry("container", "prune", "-f");
        assertThat(pruned.exit()).as(pruned.toString()).isZero();
        assertThat(pruned.out()).startsWith("Deleted Containers:\n").hasLineCount(2);
        assertThat(gantry("inspect", "life2").err()).contains("no such container: life2");
    }
}
