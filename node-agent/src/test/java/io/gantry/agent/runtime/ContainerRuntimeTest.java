package io.gantry.agent.runtime;

import io.gantry.image.fs.Libc;
import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.RuntimeFixture;
import io.gantry.agent.logs.LogReader;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import io.gantry.proto.LogEntry;
import io.gantry.proto.Resources;
import io.gantry.proto.RestartPolicy;
import io.gantry.proto.WorkloadSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real runc + conmon with a busybox rootfs. Needs root. */
class ContainerRuntimeTest extends RealRuntimeTest {
    private ContainerStatus runToEnd(String id, WorkloadSpec spec) {
        runtime.run(assignment(id, spec));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ContainerState s = runtime.status(id).orElseThrow().getState();
            return s == ContainerState.EXITED || s == ContainerState.FAILED;
        });
        return runtime.status(id).orElseThrow();
    }

    private ContainerStatus runToEnd(String id, WorkloadSpec.Builder spec) {
        return runToEnd(id, spec.build());
    }

    private String output(String id) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (LogEntry e : new LogReader(runtime.logSource(id).orElseThrow().file()).tail(-1)) {
            sb.append(e.getLine().toString(StandardCharsets.UTF_8)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void echoHelloShowsInLogAndExitsZero() throws Exception {
        String id = newId();
        ContainerStatus st = runToEnd(id, sh("echo hello; echo oops >&2"));
        assertEquals(ContainerState.EXITED, st.getState(), st.getReason());
        assertEquals(0, st.getExitCode());
        assertTrue(st.getStartedAtMs() > 0 && st.getFinishedAtMs() >= st.getStartedAtMs());
        assertEquals(io.gantry.agent.BusyboxImages.DIGEST, st.getImageDigest());
        List<LogEntry> entries = new LogReader(runtime.logSource(id).orElseThrow().file()).tail(-1);
        assertEquals("hello", entries.get(0).getLine().toStringUtf8());
        assertEquals(LogEntry.Stream.STDOUT, entries.get(0).getStream());
        assertEquals(LogEntry.Stream.STDERR, entries.get(1).getStream());
        assertEquals(List.of(ContainerState.PENDING, ContainerState.PULLING, ContainerState.STARTING,
                ContainerState.RUNNING, ContainerState.EXITED), fx.states(id));
        assertFalse(Mounts.isMounted(ContainerPaths.of(fx.dataDir, id).rootfs()), "rootfs unmounted after exit");
    }

    @Test
    void exitCodeIsReported() {
        assertEquals(3, runToEnd(newId(), sh("exit 3")).getExitCode());
    }

    @Test
    void defaultProfileCapabilitiesHostnameAndReadOnlyProcSys() throws Exception {
        String id = newId();
        ContainerStatus st = runToEnd(id, sh("grep CapEff /proc/self/status; hostname; id -u;"
                + " if (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null; then echo procsys-writable; else echo procsys-ro; fi;"
                + " grep NoNewPrivs /proc/self/status; ulimit -n; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max;"
                + " ip link 2>/dev/null | grep -c '^[0-9]'"));
        assertEquals(0, st.getExitCode(), st.getReason());
        String out = output(id);
        assertTrue(out.contains("CapEff:\t00000000a80425fb"), out);
        assertTrue(out.contains("\n" + id.substring(0, 12) + "\n"), out);
        assertTrue(out.contains("procsys-ro"), out);
        assertTrue(out.contains("NoNewPrivs:\t1"), out);
        assertTrue(out.contains("\n" + HostLimits.nofileHardLimit() + "\n"), out);
        assertTrue(out.contains("\n4096\n"), out);
        assertTrue(out.endsWith("\n1\n"), "only loopback in the network namespace: " + out);
    }

    @Test
    void memoryLimitOomKills() {
        ContainerStatus st = runToEnd(newId(), sh("dd if=/dev/zero of=/dev/null bs=100M count=1")
                .setResources(Resources.newBuilder().setMemoryBytes(32L << 20)).build());
        assertEquals(ContainerState.EXITED, st.getState());
        assertEquals(137, st.getExitCode());
        assertTrue(st.getOomKilled());
    }

    @Test
    void pidsLimitStopsForkBomb() throws Exception {
        String id = newId();
        ContainerStatus st = runToEnd(id, sh("i=0; while [ $i -lt 40 ]; do sleep 5 & if [ $? -ne 0 ]; then break; fi; i=$((i+1)); done;"
                + " echo spawned=$i; kill $(jobs -p) 2>/dev/null; exit 0")
                .setResources(Resources.newBuilder().setPidsLimit(20)).build());
        String out = output(id);
        assertTrue(out.contains("can't fork"), out);
        assertFalse(out.contains("spawned=40"), out); // without the limit all 40 start (default limit 4096)
        assertEquals(ContainerState.EXITED, st.getState());
    }

    @Test
    void missingCommandFailsWith127() {
        ContainerStatus st = runToEnd(newId(), WorkloadSpec.newBuilder().setImage("busybox").addCommand("nosuchcmd").build());
        assertEquals(ContainerState.FAILED, st.getState());
        assertEquals(127, st.getExitCode());
        assertEquals("exec: \"nosuchcmd\": executable file not found in $PATH", st.getReason());
    }

    @Test
    void unknownUserFails() {
        ContainerStatus st = runToEnd(newId(), sh("true").setUser("nosuchuser").build());
        assertEquals(ContainerState.FAILED, st.getState());
        assertEquals("unable to find user nosuchuser: no matching entries in passwd file", st.getReason());
    }

    @Test
    void pullFailureFails() {
        ContainerStatus st = runToEnd(newId(), WorkloadSpec.newBuilder().setImage("missing/thing").build());
        assertEquals(ContainerState.FAILED, st.getState());
        assertTrue(st.getReason().startsWith("manifest unknown"), st.getReason());
    }

    @Test
    void stopSendsSigtermThenKills() {
        String id = newId();
        runtime.run(assignment(id, sh("trap 'exit 7' TERM; while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.stop(id, Duration.ofSeconds(5)).join();
        ContainerStatus st = runtime.status(id).orElseThrow();
        assertEquals(ContainerState.EXITED, st.getState());
        assertEquals(7, st.getExitCode());

        String stubborn = newId();
        runtime.run(assignment(stubborn, sh("trap '' TERM; while true; do sleep 0.1; done").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(stubborn).orElseThrow().getState() == ContainerState.RUNNING);
        long t0 = System.nanoTime();
        runtime.stop(stubborn, Duration.ofMillis(500)).join();
        assertEquals(137, runtime.status(stubborn).orElseThrow().getExitCode());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void removeReportsRemovedAndDeletesFiles() {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.remove(id).join();
        assertTrue(runtime.status(id).isEmpty());
        assertEquals(ContainerState.REMOVED, fx.states(id).getLast());
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()));
    }

    @Test
    void failedRemovalIsRetriedAndReportedOnceItSucceeds() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        // Something mounted in the container dir makes every removal attempt fail until it goes.
        Path blocker = Files.createDirectories(ContainerPaths.of(fx.dataDir, id).dir().resolve("blocker"));
        Libc.mount("tmpfs", blocker, "tmpfs", 0, "size=1m");
        try {
            Path kept = Files.writeString(blocker.resolve("kept"), "x");
            CompletableFuture<Void> removal = runtime.remove(id);
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !removal.isDone());
            assertFalse(fx.states(id).contains(ContainerState.REMOVED));
            assertTrue(runtime.status(id).isPresent(), "not forgotten while it cannot be removed");
            assertFalse(runtime.localView().containsKey(id), "not handed back to the reconciler to restart");
            assertTrue(Files.exists(kept), "nothing deleted through the mount");
            assertFalse(Mounts.isMounted(ContainerPaths.of(fx.dataDir, id).rootfs()));
        } finally {
            Libc.unmount(blocker);
        }
        runtime.remove(id).get(40, TimeUnit.SECONDS);
        assertEquals(ContainerState.REMOVED, fx.states(id).getLast());
        assertTrue(runtime.status(id).isEmpty());
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()));
    }

    @Test
    void removalFailingAtCloseIsAbandonedAndRemoveAllStartsItOver() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        Path blocker = Files.createDirectories(ContainerPaths.of(fx.dataDir, id).dir().resolve("blocker"));
        Libc.mount("tmpfs", blocker, "tmpfs", 0, "size=1m");
        CompletableFuture<Void> removal;
        try {
            removal = runtime.remove(id);
            Thread.sleep(100);
            runtime.close(); // a plain close stops retrying: the next start recovers it
            await().atMost(Duration.ofSeconds(5)).until(removal::isCompletedExceptionally);
        } finally {
            Libc.unmount(blocker);
        }
        runtime.removeAll(); // but a removeAll after close starts over, and succeeds now
        assertTrue(runtime.statuses().isEmpty());
        assertEquals(ContainerState.REMOVED, fx.states(id).getLast());
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()));
    }

    @Test
    void removeDetachesARootfsThatIsStillMounted() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        Path rootfs = ContainerPaths.of(fx.dataDir, id).rootfs();
        // A second mount on top: the usual single unmount in cleanup leaves the overlay below it.
        Libc.mount("tmpfs", rootfs, "tmpfs", 0, "size=1m");
        runtime.remove(id).get(10, TimeUnit.SECONDS);
        assertEquals(ContainerState.REMOVED, fx.states(id).getLast());
        assertEquals(List.of(), Mounts.under(ContainerPaths.of(fx.dataDir, id).dir()));
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, id).dir()));
    }

    @Test
    void nothingStartsOnceRemoveAllHasBegun() {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        runtime.removeAll();
        assertTrue(runtime.statuses().isEmpty());
        String late = newId();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runtime.run(assignment(late, sh("true").build())));
        assertEquals("the container runtime is shutting down; not starting " + late, e.getMessage());
        assertTrue(runtime.status(late).isEmpty());
        assertFalse(Files.exists(ContainerPaths.of(fx.dataDir, late).dir()));
    }

    @Test
    void nothingStartsAfterCloseButRemoveAllStillWorks() {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.close();
        assertThrows(IllegalStateException.class, () -> runtime.run(assignment(newId(), sh("true").build())));
        runtime.removeAll();
        assertTrue(runtime.statuses().isEmpty());
        assertEquals(ContainerState.REMOVED, fx.states(id).getLast());
    }

    @Test
    void containerSurvivesRuntimeRestartAndIsRecovered() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("echo started; sleep 1.5; echo done; exit 4").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.close(); // the agent goes away; conmon keeps the container
        Thread.sleep(300);
        assertEquals("running", new OciRuntime(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"), fx.runcRoot).status(id).orElseThrow());

        runtime = fx.newRuntime();
        List<ContainerStatus> found = runtime.recover();
        assertEquals(1, found.size());
        assertEquals(ContainerState.RUNNING, found.getFirst().getState());
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.EXITED);
        assertEquals(4, runtime.status(id).orElseThrow().getExitCode());
        String out = output(id);
        assertTrue(out.contains("started") && out.contains("done"), out);

        // One that ends while no agent is watching is recovered as exited, with its code.
        String quick = newId();
        runtime.run(assignment(quick, sh("sleep 0.5; exit 6").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(quick).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.close();
        Thread.sleep(1200);
        runtime = fx.newRuntime();
        ContainerStatus q = runtime.recover().stream().filter(s -> s.getWorkloadId().equals(quick)).findFirst().orElseThrow();
        assertEquals(ContainerState.EXITED, q.getState());
        assertEquals(6, q.getExitCode());
        assertFalse(Mounts.isMounted(ContainerPaths.of(fx.dataDir, quick).rootfs()));

        // And once more: an exited container is recovered as exited.
        runtime.close();
        runtime = fx.newRuntime();
        assertTrue(runtime.recover().stream().allMatch(s -> s.getState() == ContainerState.EXITED));
    }

    @Test
    void onFailureRestartsUpToMaxRetries() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("echo run; exit 1")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setMaxRetries(2)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ContainerStatus s = runtime.status(id).orElseThrow();
            return s.getRestartCount() == 2 && s.getState() == ContainerState.EXITED;
        });
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .until(() -> runtime.status(id).orElseThrow().getRestartCount() == 2);
        assertEquals(1, runtime.status(id).orElseThrow().getExitCode());
        assertEquals(3, fx.states(id).stream().filter(s -> s == ContainerState.RUNNING).count());
        assertEquals("run\nrun\nrun\n", output(id), "the log keeps every run's output");
    }

    @Test
    void restartsDoneOnAnEarlierNodeCountTowardsMaxRetries() throws Exception {
        String id = newId();
        var moved = assignment(id, sh("echo run; exit 1")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setMaxRetries(2)).build())
                .toBuilder().setRestartCount(1).build();
        runtime.run(moved);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ContainerStatus s = runtime.status(id).orElseThrow();
            return s.getRestartCount() == 2 && s.getState() == ContainerState.EXITED;
        });
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .until(() -> runtime.status(id).orElseThrow().getRestartCount() == 2);
        assertEquals("run\nrun\n", output(id), "one restart left here, after the one done elsewhere");
    }

    @Test
    void alwaysRestartsButNotAfterUserStop() {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 0.2")
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ALWAYS)).build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).orElseThrow().getRestartCount() >= 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        runtime.stop(id, Duration.ofSeconds(2)).join();
        int count = runtime.status(id).orElseThrow().getRestartCount();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.EXITED
                        && runtime.status(id).orElseThrow().getRestartCount() == count);
    }

    @Test
    void deadMonitorWithStoppedContainerIsReportedExited() throws Exception {
        String id = newId();
        runtime.run(assignment(id, sh("sleep 100").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        long conmon = OciRuntime.readPid(ContainerPaths.of(fx.dataDir, id).conmonPidFile()).orElseThrow();
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(conmon).map(h -> !h.isAlive()).orElse(true));
        Thread.sleep(2500);
        assertEquals(ContainerState.RUNNING, runtime.status(id).orElseThrow().getState(), "still running without its monitor");
        new OciRuntime(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"), fx.runcRoot).kill(id, "KILL");
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.EXITED);
        assertTrue(runtime.status(id).orElseThrow().getReason().contains("conmon"));
    }

    @Test
    void userFromPasswd() throws Exception {
        String id = newId();
        ContainerStatus st = runToEnd(id, sh("id").setUser("app"));
        assertEquals(0, st.getExitCode(), st.getReason());
        assertTrue(output(id).contains("uid=1000(app) gid=1000(app) groups=50(staff)"), output(id));
    }

    @Test
    void killMinusNineOfTheAgentLeavesContainersRunning() throws Exception {
        String id = newId();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.gantry.agent.AgentChildProcess", fx.dataDir.toString(), fx.runcRoot.toString(), fx.cgroupParent,
                tmp.resolve("child-images").toString(), id)
                .redirectError(tmp.resolve("child.err").toFile()).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream())).readLine();
            assertEquals("RUNNING", line);
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor();
        }
        Thread.sleep(200);
        assertEquals("running", new OciRuntime(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"), fx.runcRoot).status(id).orElseThrow());
        List<ContainerStatus> found = runtime.recover();
        assertEquals(List.of(id), found.stream().map(ContainerStatus::getWorkloadId).toList());
        assertEquals(ContainerState.RUNNING, found.getFirst().getState());
        assertTrue(output(id).contains("from-child"));
        runtime.stop(id, Duration.ofSeconds(2)).join();
        assertEquals(ContainerState.EXITED, runtime.status(id).orElseThrow().getState());
    }
}
