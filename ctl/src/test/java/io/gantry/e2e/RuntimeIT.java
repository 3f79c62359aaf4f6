package io.gantry.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gantry.image.registry.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What `docker run` users reach for every day, through the scheduler to the node, with the real CLI: exec, cp,
 * top, stats, volumes, images, health checks, log rotation, and a private registry with `gantry login`.
 */
class RuntimeIT {
    static DevFixture cluster;
    static Path dataDir;
    static String addr;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = DevFixture.start("runtime", "gantry-e2e-runtime");
        dataDir = cluster.dataDir;
        addr = cluster.addr;
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

    private static Gantry.Result gantryProcess(Map<String, String> env, String stdin, String... args) {
        return cluster.cli(env, stdin, args);
    }

    private static Gantry.Result cli(String... args) {
        return cluster.cli(args);
    }

    private static void running(String name, String... runArgs) {
        var args = new java.util.ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(List.of(runArgs));
        var run = gantry(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> gantry("ps").out().lines().anyMatch(l -> l.contains(name) && l.contains("Up ")));
    }

    @Test
    void execCpTopAndStats() throws Exception {
        running("box", "busybox", "sh", "-c", "ln -s / /evil; echo inside > /data.txt; while true; do sleep 1; done");

        var exec = cli("exec", "-e", "GREETING=hi", "box", "sh", "-c", "echo $GREETING from $(hostname); exit 3");
        assertThat(exec.exit()).as(exec.toString()).isEqualTo(3);
        assertThat(exec.out()).startsWith("hi from ");
        assertThat(cli("exec", "-t", "box", "tty").out()).startsWith("/dev/pts/");
        var piped = gantryProcess(Map.of(), "hello through stdin\n", "exec", "-i", "box", "cat");
        assertThat(piped.exit()).as(piped.toString()).isZero();
        assertThat(piped.out()).isEqualTo("hello through stdin\n");
        var badUser = gantry("exec", "-u", "nobody-here", "box", "true");
        assertThat(badUser.exit()).isNotZero();
        assertThat(badUser.err().strip()).contains("nobody-here").doesNotContain("\n");

        // cp both ways; a link planted in the container never leads out of it.
        Path local = Files.writeString(dataDir.resolve("to-container.txt"), "from the host\n");
        assertThat(gantry("cp", local.toString(), "box:/tmp/").exit()).isZero();
        assertThat(cli("exec", "box", "cat", "/tmp/to-container.txt").out()).isEqualTo("from the host\n");
        Path back = dataDir.resolve("back.txt");
        assertThat(gantry("cp", "box:/data.txt", back.toString()).exit()).isZero();
        assertThat(Files.readString(back)).isEqualTo("inside\n");
        Path viaLink = dataDir.resolve("via-link.txt");
        var followed = gantry("cp", "box:/evil/data.txt", viaLink.toString());
        assertThat(followed.exit()).as(followed.toString()).isZero();
        assertThat(Files.readString(viaLink)).as("/evil -> / resolved inside the container").isEqualTo("inside\n");
        // The host has /etc/os-release; busybox's image does not: a link to / must not reach the host's.
        Path escaped = dataDir.resolve("escaped");
        var escape = gantry("cp", "box:/evil/etc/os-release", escaped.toString());
        assertThat(escape.exit()).isNotZero();
        assertThat(Files.exists(escaped)).isFalse();
        var escapeUp = gantry("cp", "box:/evil/../../../../etc/os-release", escaped.toString());
        assertThat(escapeUp.exit()).isNotZero();
        assertThat(Files.exists(escaped)).isFalse();
        var missing = gantry("cp", "box:/no/such/file", dataDir.resolve("x").toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("/no/such/file").hasLineCount(1);

        var top = gantry("top", "box");
        assertThat(top.exit()).as(top.toString()).isZero();
        assertThat(top.out()).contains("PID").contains("sleep");
        var stats = gantry("stats", "--no-stream");
        assertThat(stats.exit()).as(stats.toString()).isZero();
        assertThat(stats.out()).contains("MEM USAGE").contains("box");

        assertThat(gantry("stop", "-t", "1", "box").exit()).isZero();
        var stopped = gantry("exec", "box", "true");
        assertThat(stopped.exit()).isNotZero();
        assertThat(stopped.err().strip()).isEqualTo("gantry: container box is not running");
        assertThat(gantry("rm", "box").exit()).isZero();
    }

    /**
     * The CLI on a real terminal: util-linux's `script` gives it a pseudo-terminal, so `-it` puts that terminal in
     * raw mode, and what we type (including Ctrl-C as the byte 0x03) reaches the container's terminal.
     */
    private static Gantry.Result onATerminal(String input, String... args) {
        return onATerminal(input, 0, args);
    }

    /**
     * As above; with {@code delaySeconds}, the input is typed that long after the start (Ctrl-C must arrive once the
     * CLI's terminal is in raw mode: before that, the terminal itself would turn it into a signal for the CLI).
     */
    private static Gantry.Result onATerminal(String input, int delaySeconds, String... args) {
        var all = new java.util.ArrayList<>(List.of("--addr", addr));
        all.addAll(List.of(args));
        String command = "stty cols 101 rows 33; exec " + String.join(" ", Gantry.javaCommand(all.toArray(String[]::new)).stream()
                .map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        if (delaySeconds == 0) {
            return Gantry.exec(Duration.ofSeconds(90), List.of("script", "-qefc", command, "/dev/null"),
                    Map.of(), input.getBytes(StandardCharsets.UTF_8));
        }
        return Gantry.exec(Duration.ofSeconds(90), List.of("sh", "-c", "(sleep \"$1\"; cat) | script -qefc \"$0\" /dev/null",
                command, Integer.toString(delaySeconds)), Map.of(), input.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void interactiveTerminalsRunItExecItAttachAndStartAi() throws Exception {
        var runIt = onATerminal("stty size; exit 7\n", "run", "-it", "--rm", "busybox", "sh");
        assertThat(runIt.exit()).as(runIt.toString()).isEqualTo(7);
        assertThat(runIt.out()).contains("33 101");

        running("term", "-it", "busybox", "sh");
        var execIt = onATerminal("tty; echo typed-$((40+2)); exit 4\n", "exec", "-it", "term", "sh");
        assertThat(execIt.exit()).as(execIt.toString()).isEqualTo(4);
        assertThat(execIt.out()).contains("/dev/pts/").contains("typed-42");
        var interrupted = onATerminal("\u0003", 8, "exec", "-it", "term", "sleep", "100");
        assertThat(interrupted.exit()).as("Ctrl-C reaches sleep through the terminal: " + interrupted).isEqualTo(130);

        var attach = onATerminal("echo attached-$((1+1)); exit 5\n", "attach", "term");
        assertThat(attach.exit()).as(attach.toString()).isEqualTo(5);
        assertThat(attach.out()).contains("attached-2");
        await().atMost(Duration.ofSeconds(20)).until(() -> gantry("ps", "-a").out().lines()
                .anyMatch(l -> l.contains("term") && l.contains("Exited (5)")));
        var startAi = onATerminal("echo again; exit 6\n", "start", "-ai", "term");
        assertThat(startAi.exit()).as(startAi.toString()).isEqualTo(6);
        assertThat(startAi.out()).contains("again");
        assertThat(gantry("rm", "-f", "term").exit()).isZero();

        var notATerminal = cli("exec", "-it", "nothing-there", "sh");
        assertThat(notATerminal.exit()).isNotZero();
        assertThat(notATerminal.err().strip()).isEqualTo("gantry: the input device is not a TTY");
    }

    @Test
    void pullShowsProgressAndBadCpTargetsAreOneLine() throws Exception {
        var pull = cli("pull", "busybox");
        assertThat(pull.exit()).as(pull.toString()).isZero();
        assertThat(pull.out()).contains("node-1").contains("sha256:");
        running("cpbad", "busybox", "sleep", "600");
        Path local = Files.writeString(dataDir.resolve("x.txt"), "x");
        var toMissing = gantry("cp", local.toString(), "cpbad:/no/such/dir/");
        assertThat(toMissing.exit()).isNotZero();
        assertThat(toMissing.err().strip()).doesNotContain("\n").contains("/no/such/dir");
        var bothLocal = gantry("cp", local.toString(), dataDir.resolve("y").toString());
        assertThat(bothLocal.exit()).isEqualTo(125);
        assertThat(gantry("rm", "-f", "cpbad").exit()).isZero();
    }

    @Test
    void volumesImagesHealthAndLogRotation() throws Exception {
        assertThat(gantry("volume", "create", "vol1").exit()).isZero();
        running("vuser", "-v", "vol1:/data", "busybox", "sh", "-c", "echo kept > /data/f; while true; do sleep 1; done");
        assertThat(gantry("volume", "ls").out()).contains("vol1");
        var inUse = gantry("volume", "rm", "vol1");
        assertThat(inUse.exit()).isNotZero();
        assertThat(inUse.err()).contains("volume vol1 is in use by container vuser");
        assertThat(gantry("rm", "-f", "vuser").exit()).isZero();
        assertThat(gantry("volume", "rm", "vol1").exit()).isZero();

        var images = gantry("images");
        assertThat(images.out()).contains("busybox").contains("node-1");
        assertThat(gantry("tag", "busybox", "busybox:mine").exit()).isZero();
        assertThat(gantry("images").out()).contains("mine");
        assertThat(gantry("rmi", "busybox:mine").exit()).isZero();
        assertThat(gantry("image", "inspect", "busybox").out()).contains("sha256:");

        running("healthy", "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "600");
        running("sick", "--health-cmd", "exit 1", "--health-interval", "200ms", "--health-retries", "2", "busybox", "sleep", "600");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String ps = gantry("ps").out();
            assertThat(ps.lines().filter(l -> l.contains("healthy") && l.contains("(healthy)"))).hasSize(1);
            assertThat(ps.lines().filter(l -> l.contains("sick") && l.contains("(unhealthy)"))).hasSize(1);
        });
        assertThat(gantry("events", "--since", "5m", "--until", "0s", "--filter", "type=container").out()).contains("health_status");
        assertThat(gantry("rm", "-f", "healthy", "sick").exit()).isZero();

        // 2 files of at most 1 KiB each: the oldest lines are gone, the newest are there, in order.
        var run = cli("run", "--name", "chatty", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox", "sh", "-c",
                "i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); done; sleep 1");
        assertThat(run.exit()).as(run.toString()).isZero();
        var tail = cli("logs", "--tail", "3", "chatty");
        assertThat(tail.out()).isEqualTo("line-397\nline-398\nline-399\n");
        assertThat(cli("logs", "chatty").out()).doesNotContain("line-0\n").contains("line-399");
        assertThat(gantry("rm", "chatty").exit()).isZero();
    }

    @Test
    void aPrivateRegistryWithLogin() throws Exception {
        Path htpasswd = dataDir.resolve("htpasswd");
        var made = Gantry.exec(Duration.ofSeconds(30), List.of("htpasswd", "-Bbc", htpasswd.toString(), "alice", "wonderland"));
        assertThat(made.exit()).as(made.toString()).isZero();
        int port = Gantry.freePort();
        Path storage = dataDir.resolve("private-registry");
        try (var open = LocalRegistry.start(storage, port)) {
            open.seedBusybox(Path.of("/bin/busybox"));
        }
        Map<String, String> env = Map.of("GANTRY_CONFIG", dataDir.resolve("cli-config").toString());
        String image = "127.0.0.1:" + port + "/busybox:latest";
        try (var secured = LocalRegistry.start(storage, port, new LocalRegistry.Security(htpasswd, null, null))) {
            var denied = gantryProcess(env, "", "run", "--rm", image, "echo", "never");
            assertThat(denied.exit()).as(denied.toString()).isNotZero();
            assertThat(denied.err()).contains("401");

            var wrong = gantryProcess(env, "nope\n", "login", "-u", "alice", "--password-stdin", secured.address());
            assertThat(wrong.exit()).isNotZero();
            assertThat(wrong.err()).contains("authentication failed");
            var login = gantryProcess(env, "wonderland\n", "login", "-u", "alice", "--password-stdin", secured.address());
            assertThat(login.exit()).as(login.toString()).isZero();
            assertThat(login.out()).contains("Login Succeeded");
            Path config = dataDir.resolve("cli-config/config.json");
            assertThat(Files.getPosixFilePermissions(config)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

            var pulled = gantryProcess(env, "", "run", "--rm", image, "echo", "pulled with credentials");
            assertThat(pulled.exit()).as(pulled.toString()).isZero();
            assertThat(pulled.out()).isEqualTo("pulled with credentials\n");
            assertThat(gantryProcess(env, "", "inspect", "--help").exit()).isZero();

            assertThat(gantryProcess(env, "", "logout", secured.address()).out()).contains("Removing login credentials");
        }
    }
}
