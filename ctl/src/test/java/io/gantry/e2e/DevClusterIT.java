package io.gantry.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.gantry.image.ImageReference;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.build.OciImage;
import io.gantry.image.registry.RegistryClient;
import io.gantry.image.registry.RegistryPusher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The walking skeleton end to end: `gantry dev` as a real process (registry, ZooKeeper,
 * scheduler, agent), real runc and conmon, the CLI as separate processes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevClusterIT {
    static final String CGROUP_PARENT = "gantry-e2e-dev";
    static Path dataDir;
    static Daemon dev;
    static String addr;
    static String registryAddr;

    @BeforeAll
    static void startCluster() throws Exception {
        dataDir = Files.createTempDirectory("gantry-e2e-dev");
        int port = Gantry.freePort();
        int registryPort = Gantry.freePort();
        addr = "127.0.0.1:" + port;
        registryAddr = "127.0.0.1:" + registryPort;
        dev = Daemon.start("dev", dataDir, "dev", "--data-dir", dataDir.toString(), "--port", String.valueOf(port),
                "--registry-port", String.valueOf(registryPort), "--node-name", "node-1", "--cgroup-parent", CGROUP_PARENT,
                "--metrics-listen", "127.0.0.1:" + Gantry.freePort(), "--agent-metrics-listen", "127.0.0.1:" + Gantry.freePort(),
                "--dns-upstream", "none" /* tests never send DNS off the machine */);
        dev.awaitLine("ready", Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (dev != null) {
            dev.close();
        }
        if (dataDir != null) {
            io.gantry.image.fs.FileTrees.delete(dataDir);
        }
    }

    private static Gantry.Result gantry(String... args) {
        return Gantry.cli(addr, args);
    }

    @Test
    void echoRoundTrip() {
        Gantry.Result r = gantry("run", "busybox", "echo", "hello");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("hello\n");
    }

    @Test
    void exitCodeIsTheContainers() {
        Gantry.Result r = gantry("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.exit()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).contains("err\n");
    }

    @Test
    void environmentFromFlags() {
        Gantry.Result r = gantry("run", "--rm", "-e", "GREETING=hi there", "busybox", "sh", "-c", "echo \"$GREETING\"; echo $PATH");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("hi there\n").contains("/usr/bin");
    }

    @Test
    void memoryLimitKillsAnAllocationBeyondIt() {
        Gantry.Result r = gantry("run", "--rm", "--memory", "32m", "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1");
        assertThat(r.exit()).as(r.toString()).isEqualTo(137);
    }

    @Test
    void pidsLimitStopsForking() {
        Gantry.Result r = gantry("run", "--rm", "--pids-limit", "8", "busybox", "sh", "-c",
                "for i in $(seq 1 20); do sleep 1 & done; wait; echo done");
        assertThat(r.err()).as(r.toString()).contains("can't fork");
        assertThat(r.out()).as("the shell cannot go on once fork fails").doesNotContain("done");
        Gantry.Result unlimited = gantry("run", "--rm", "busybox", "sh", "-c",
                "for i in $(seq 1 20); do sleep 1 & done; wait; echo done");
        assertThat(unlimited.exit()).as(unlimited.toString()).isZero();
        assertThat(unlimited.out()).isEqualTo("done\n");
    }

    @Test
    void cgroupLimitsComeFromTheFlags() {
        Gantry.Result r = gantry("run", "--rm", "--cpus", "0.5", "--memory", "64m", "--pids-limit", "50", "busybox", "sh", "-c",
                "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"
                        + " /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("50000\n100000\n67108864\n50\n");
        Gantry.Result defaults = gantry("run", "--rm", "busybox", "cat", "/sys/fs/cgroup/pids/pids.max");
        assertThat(defaults.out()).as("a pids limit even when none is asked").isEqualTo("4096\n");
    }

    @Test
    void workdirUserAndEntrypointFollowDockersRules() {
        Gantry.Result r = gantry("run", "--rm", "-w", "/tmp", "-u", "nobody", "busybox", "sh", "-c", "pwd; id -u; id -g");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("/tmp\n65534\n65534\n");
        Gantry.Result entry = gantry("run", "--rm", "--entrypoint", "echo", "busybox", "from", "entrypoint");
        assertThat(entry.out()).isEqualTo("from entrypoint\n");
        Gantry.Result unknownUser = gantry("run", "--rm", "-u", "nosuchuser", "busybox", "true");
        assertThat(unknownUser.exit()).as(unknownUser.toString()).isEqualTo(125);
        assertThat(unknownUser.err()).contains("nosuchuser");
    }

    @Test
    void defaultSecurityProfile() {
        Gantry.Result r = gantry("run", "--rm", "busybox", "grep", "-E", "^(CapEff|CapPrm|CapBnd|CapInh|NoNewPrivs)", "/proc/self/status");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("CapEff:\t00000000a80425fb").contains("CapPrm:\t00000000a80425fb")
                .contains("CapBnd:\t00000000a80425fb").contains("NoNewPrivs:\t1");
        Gantry.Result masked = gantry("run", "--rm", "busybox", "sh", "-c",
                "head -c 1 /proc/kcore 2>/dev/null | wc -c; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo x > /sys/kernel/x 2>&1 || echo sys-ro");
        assertThat(masked.exit()).as(masked.toString()).isZero();
        assertThat(masked.out()).as("kcore (masked, or absent on this kernel), keys and firmware give nothing; /sys is read-only").isEqualTo("0\n0\n0\nsys-ro\n");
        Gantry.Result mount = gantry("run", "--rm", "busybox", "sh", "-c", "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m");
        assertThat(mount.exit()).as("mounting needs CAP_SYS_ADMIN, which a container lacks").isNotZero();
        assertThat(mount.err()).as(mount.toString()).containsIgnoringCase("permission denied");
        Gantry.Result hostPids = gantry("run", "--rm", "busybox", "sh", "-c", "ls /proc | grep -c '^[0-9]'");
        assertThat(Integer.parseInt(hostPids.out().strip())).as("its own PID namespace").isLessThan(5);
    }

    @Test
    void procSysIsReadOnly() {
        Gantry.Result r = gantry("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/domainname");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).containsIgnoringCase("read-only");
    }

    @Test
    void missingCommandExits127() {
        Gantry.Result r = gantry("run", "--rm", "busybox", "no-such-command");
        assertThat(r.exit()).as(r.toString()).isEqualTo(127);
        assertThat(r.err()).contains("no-such-command");
    }

    @Test
    void logsFollowStreamsUntilExit() {
        Gantry.Result started = gantry("run", "-d", "--name", "follow-me", "busybox", "sh", "-c",
                "for i in 1 2 3; do echo line$i; sleep 1; done");
        assertThat(started.exit()).as(started.toString()).isZero();
        long t0 = System.nanoTime();
        Gantry.Result logs = gantry("logs", "-f", "follow-me");
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        assertThat(logs.exit()).as(logs.toString()).isZero();
        assertThat(logs.out()).isEqualTo("line1\nline2\nline3\n");
        assertThat(seconds).as("logs -f waited for the container").isGreaterThanOrEqualTo(1);
        Gantry.Result tail = gantry("logs", "--tail", "1", "follow-me");
        assertThat(tail.out()).isEqualTo("line3\n");
        assertThat(gantry("logs", "--since", "1h", "follow-me").out()).isEqualTo("line1\nline2\nline3\n");
        assertThat(gantry("logs", "--until", "2020-01-01T00:00:00Z", "follow-me").out()).isEmpty();
        assertThat(gantry("ps", "-a").out()).contains("follow-me").contains("Exited (0)");
        assertThat(gantry("rm", "follow-me").exit()).isZero();
        assertThat(gantry("ps", "-a").out()).doesNotContain("follow-me");
    }

    @Test
    void detachedStopAndRemove() {
        Gantry.Result started = gantry("run", "-d", "--name", "sleeper", "busybox", "sleep", "300");
        assertThat(started.exit()).as(started.toString()).isZero();
        String id = started.out().strip();
        assertThat(id).matches("[0-9a-f]{12}");
        await().atMost(Duration.ofSeconds(30)).until(() -> gantry("ps").out().contains("sleeper"));
        assertThat(gantry("ps", "-q").out()).contains(id);
        Gantry.Result inspect = gantry("inspect", "sleeper");
        assertThat(inspect.out()).contains("\"state\": \"RUNNING\"").contains("\"node\": \"node-1\"");
        Gantry.Result rmRunning = gantry("rm", "sleeper");
        assertThat(rmRunning.exit()).isNotZero();
        assertThat(rmRunning.err()).contains("running");
        Gantry.Result stop = gantry("stop", "-t", "2", "sleeper");
        assertThat(stop.exit()).as(stop.toString()).isZero();
        assertThat(gantry("inspect", "sleeper").out()).contains("\"state\": \"EXITED\"");
        assertThat(gantry("rm", "sleeper").exit()).isZero();
    }

    @Test
    void workloadTooBigStaysPendingWithItsReason() {
        Gantry.Result r = gantry("run", "-d", "--name", "too-big", "--memory", "1000g", "busybox", "true");
        assertThat(r.exit()).as(r.toString()).isZero();
        Gantry.Result ps = gantry("ps");
        assertThat(ps.out()).contains("too-big").contains("Pending").contains("0/1 nodes").contains("insufficient memory");
        Gantry.Result inspect = gantry("inspect", "too-big");
        assertThat(inspect.out()).contains("PENDING").contains("node-1").contains("insufficient memory");
        assertThat(gantry("rm", "-f", "too-big").exit()).isZero();
    }

    @Test
    void anAttachedRunThatFitsNowhereSaysWhyAndLeavesNothing() {
        Gantry.Result r = gantry("run", "--name", "no-room", "--memory", "1000g", "busybox", "true");
        assertOneLineError(r, "insufficient memory");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(gantry("ps", "-a").out()).doesNotContain("no-room");
    }

    @Test
    void nodeLsShowsTheNode() {
        Gantry.Result r = gantry("node", "ls");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("node-1").contains("Ready");
    }

    @Test
    void badInputIsOneLineAndNonZero() {
        assertOneLineError(gantry("run", "--memory", "12zz", "busybox", "true"), "12zz");
        assertOneLineError(gantry("run", "--cpus", "-1", "busybox", "true"), "--cpus");
        assertOneLineError(gantry("stop", "no-such-container"), "no such container");
        assertOneLineError(gantry("logs", "no-such-container"), "no such container");
        assertOneLineError(gantry("run", "busybox:no-such-tag", "true"), "not found");
        assertOneLineError(gantry("run", "no-such-image", "true"), "not found");
        assertOneLineError(gantry("run", "127.0.0.1:1/busybox", "true"), "unreachable");
        assertOneLineError(gantry("run", "Bad/Image", "true"), "invalid");
        assertOneLineError(Gantry.cli("127.0.0.1:1", "ps"), "cannot reach the scheduler");
        Gantry.Result first = gantry("run", "-d", "--name", "dup", "busybox", "sleep", "60");
        assertThat(first.exit()).isZero();
        assertOneLineError(gantry("run", "-d", "--name", "dup", "busybox", "true"), "already in use");
        assertThat(gantry("rm", "-f", "dup").exit()).isZero();
    }

    /** Hostile layers pushed to the real registry: the pull is refused and nothing lands outside the store. */
    @Test
    void hostileLayersAreRefused() throws Exception {
        Path victim = Files.createTempDirectory("gantry-e2e-victim");
        Path victimSub = Files.createDirectory(victim.resolve("etc"));
        var modeBefore = Files.getPosixFilePermissions(victimSub);
        var mtimeBefore = Files.getLastModifiedTime(victimSub);
        String escape = victim.toAbsolutePath().toString().substring(1);
        Map<String, LayerBuilder> hostile = new LinkedHashMap<>();
        hostile.put("dotdot", new LayerBuilder().file("../../../../../../" + escape + "/pwned", 0644, "x".getBytes()));
        hostile.put("absolute", new LayerBuilder().file("/" + escape + "/pwned", 0644, "x".getBytes()));
        hostile.put("symlink", new LayerBuilder().symlink("evil", "/" + escape).file("evil/pwned", 0644, "x".getBytes()));
        hostile.put("hardlink", new LayerBuilder().hardLink("evil", "../../../../../../etc/hostname"));
        hostile.put("whiteout", new LayerBuilder().file(".wh..", 0644, new byte[0]));
        // a directory's mode is applied at the end: by then a later entry has made its parent a link out
        hostile.put("late-chmod", new LayerBuilder().dir("x", 0755).dir("x/etc", 0777).symlink("x", "/" + escape));
        RegistryPusher pusher = new RegistryPusher(new RegistryClient());
        for (var e : hostile.entrySet()) {
            Blob layer = e.getValue().gzipLayer();
            OciImage image = OciImage.of(OciImage.config(List.of("PATH=/bin"), List.of("sh"), List.of(e.getValue().diffId())), List.of(layer));
            pusher.push(ImageReference.parse(registryAddr + "/hostile-" + e.getKey() + ":latest", registryAddr), image);
            Gantry.Result r = gantry("run", "--rm", registryAddr + "/hostile-" + e.getKey(), "true");
            // refused (125), or for late-chmod unpacked without touching the outside (then `true` is missing: 127)
            assertThat(r.exit()).as(e.getKey() + ": " + r).isIn(125, 127);
            assertThat(r.err().strip()).as(e.getKey() + ": " + r).doesNotContain("\n").isNotEmpty();
        }
        try (var left = Files.list(victim)) {
            assertThat(left.toList()).as("nothing written outside the layer").containsExactly(victimSub);
        }
        assertThat(Files.getPosixFilePermissions(victimSub)).as("no chmod outside the layer").isEqualTo(modeBefore);
        assertThat(Files.getLastModifiedTime(victimSub)).as("no utimes outside the layer").isEqualTo(mtimeBefore);
        assertThat(gantry("ps", "-a").out()).doesNotContain("hostile-");
        io.gantry.image.fs.FileTrees.delete(victim);
    }

    static void assertOneLineError(Gantry.Result r, String mentions) {
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err().strip()).as(r.toString()).doesNotContain("\n").containsIgnoringCase(mentions);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void stoppingTheClusterLeavesNothingBehind() throws Exception {
        Gantry.Result r = gantry("run", "-d", "--name", "left-running", "busybox", "sh", "-c", "while true; do sleep 1; done # e2e-residue-marker");
        assertThat(r.exit()).as(r.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Residue.processesWith("e2e-residue-marker").isEmpty());
        assertThat(dev.stop(Duration.ofSeconds(60))).isIn(0, 130, 143);
        assertThat(dev.output()).contains("stopped");
        assertThat(Residue.processesWith("e2e-residue-marker")).isEmpty();
        assertThat(Residue.findAfterStop(dataDir, CGROUP_PARENT, dataDir.resolve("agent"))).isEmpty();
    }
}
