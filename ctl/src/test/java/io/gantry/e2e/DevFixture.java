package io.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A `gantry dev` process for one test class (free ports, its own cgroup parent, no DNS off the machine), the CLI
 * against it, and the residue check when it stops.
 */
final class DevFixture {
    final Path dataDir;
    final String addr;
    final Daemon dev;
    private final String cgroupParent;

    private DevFixture(Path dataDir, String addr, Daemon dev, String cgroupParent) {
        this.dataDir = dataDir;
        this.addr = addr;
        this.dev = dev;
        this.cgroupParent = cgroupParent;
    }

    /** Starts `gantry dev` with node-1; {@code extra} flags override the defaults (metrics off). */
    static DevFixture start(String name, String cgroupParent, String... extra) throws Exception {
        Path dataDir = Files.createTempDirectory("gantry-e2e-" + name);
        int port = Gantry.freePort();
        var args = new ArrayList<>(List.of("dev", "--data-dir", dataDir.toString(), "--port", String.valueOf(port),
                "--registry-port", String.valueOf(Gantry.freePort()), "--node-name", "node-1", "--cgroup-parent", cgroupParent,
                "--dns-upstream", "none"));
        if (!List.of(extra).contains("--metrics-listen")) {
            args.addAll(List.of("--metrics-listen", "", "--agent-metrics-listen", ""));
        }
        args.addAll(List.of(extra));
        Daemon dev = Daemon.start("dev", dataDir, args.toArray(String[]::new));
        dev.awaitLine("ready", Duration.ofSeconds(120));
        return new DevFixture(dataDir, "127.0.0.1:" + port, dev, cgroupParent);
    }

    /**
     * The CLI in this JVM (the cluster is still its own process): a JVM per call would cost a second or more on a
     * loaded machine. Only for commands that print through picocli's writers, not container output.
     */
    Gantry.Result gantry(String... args) {
        var all = new ArrayList<>(List.of("--addr", addr));
        all.addAll(List.of(args));
        var out = new StringWriter();
        var err = new StringWriter();
        int code = io.gantry.ctl.Main.execute(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Gantry.Result(code, out.toString(), err.toString());
    }

    /** The CLI as its own process: container output (exec, logs, run), stdin, or an environment. */
    Gantry.Result cli(Map<String, String> env, String stdin, String... args) {
        var all = new ArrayList<>(List.of("--addr", addr));
        all.addAll(List.of(args));
        return Gantry.exec(Duration.ofSeconds(90), Gantry.javaCommand(all.toArray(String[]::new)), env,
                stdin.getBytes(StandardCharsets.UTF_8));
    }

    Gantry.Result cli(String... args) {
        return cli(Map.of(), "", args);
    }

    /** Stops the cluster and checks it left nothing: containers, mounts, cgroups, processes, networking. */
    void stop() throws Exception {
        dev.stop(Duration.ofSeconds(60));
        assertThat(Residue.findAfterStop(dataDir, cgroupParent, dataDir.resolve("agent"))).isEmpty();
        io.gantry.image.fs.FileTrees.delete(dataDir); // logs, images, registry blobs: nothing stays in /tmp
    }
}
