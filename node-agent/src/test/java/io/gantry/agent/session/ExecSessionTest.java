package io.gantry.agent.session;

import static io.gantry.agent.RuntimeFixture.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.AttachOp;
import io.gantry.proto.ExecOp;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.TtySize;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** exec (pipes and pty) and attach to a main process with a tty, against real runc and conmon. */
class ExecSessionTest extends RealSessionTest {
    private SessionProbe.Session exec(String id, ExecOp.Builder op) {
        return probe.new Session(SessionOpen.newBuilder().setWorkloadId(id).setPlacementVersion(1).setExec(op));
    }

    private static ExecOp.Builder cmd(String... args) {
        return ExecOp.newBuilder().addAllCommand(List.of(args));
    }

    @Test
    void ttyExecGetsAPseudoTerminalOfTheRequestedSize() {
        String id = start(sh("sleep 1000"));
        var s = exec(id, cmd("sh", "-c", "tty; stty size").setTty(true).setSize(TtySize.newBuilder().setRows(33).setCols(101)));
        SessionExit exit = s.exit();
        assertEquals("", exit.getError());
        assertEquals(0, exit.getExitCode());
        String out = s.stdout();
        assertTrue(out.matches("(?s)/dev/pts/[0-9]+\r?\n33 101\r?\n"), out);
    }

    @Test
    void exitCodeIsReturnedAndStdinEofEndsCat() {
        String id = start(sh("sleep 1000"));
        assertEquals(3, exec(id, cmd("sh", "-c", "exit 3")).exit().getExitCode());
        var cat = exec(id, cmd("cat").setStdin(true));
        cat.stdin("piped\n");
        cat.send(SessionFrame.newBuilder().setStdinEof(true));
        assertEquals(0, cat.exit().getExitCode());
        assertEquals("piped\n", cat.stdout());
    }

    @Test
    void ctrlCThroughTheTtyAndSignalFramesInterruptTheProcess() {
        String id = start(sh("sleep 1000"));
        var viaTty = exec(id, cmd("sleep", "100").setTty(true).setStdin(true));
        await().atMost(Duration.ofSeconds(10)).until(() -> pids(id) >= 2);
        viaTty.stdin("\u0003");
        assertEquals(130, viaTty.exit(Duration.ofSeconds(10)).getExitCode());
        var viaSignal = exec(id, cmd("sleep", "100"));
        await().atMost(Duration.ofSeconds(10)).until(() -> pids(id) >= 2);
        viaSignal.send(SessionFrame.newBuilder().setSignal("SIGTERM"));
        assertEquals(143, viaSignal.exit(Duration.ofSeconds(10)).getExitCode());
    }

    private long pids(String id) throws Exception {
        return runtime.oci().pids(id).size();
    }

    @Test
    void userIsResolvedInTheContainerAndUnknownUsersAreOneLineErrors() {
        String id = start(sh("sleep 1000"));
        var app = exec(id, cmd("id").setUser("app:staff"));
        assertEquals(0, app.exit().getExitCode());
        assertTrue(app.stdout().startsWith("uid=1000(app) gid=50(staff)"), app.stdout());
        SessionExit unknown = exec(id, cmd("id").setUser("nosuch")).exit();
        assertEquals("unable to find user nosuch: no matching entries in passwd file", unknown.getError());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), unknown.getStatusCode());
        SessionExit missing = exec(id, cmd("/no/such/binary")).exit();
        assertTrue(missing.getError().contains("no such file or directory"), missing.getError());
        assertEquals(127, missing.getExitCode());
    }

    @Test
    void execIntoAStoppedContainerIsRefused() {
        String id = runToEnd(sh("exit 0").setName("web"));
        SessionExit exit = exec(id, cmd("true")).exit();
        assertEquals("container web is not running", exit.getError());
        assertEquals(Status.Code.FAILED_PRECONDITION.value(), exit.getStatusCode());
    }

    @Test
    void cancelKillsTheExecProcess() {
        String id = start(sh("sleep 1000"));
        var s = exec(id, cmd("sleep", "100"));
        await().atMost(Duration.ofSeconds(10)).until(() -> pids(id) >= 2);
        s.send(SessionFrame.newBuilder().setCancel(true));
        assertEquals(Status.Code.CANCELLED.value(), s.exit().getStatusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> pids(id) == 1);
    }

    @Test
    void runItShellTakesStdinThroughConmonAndReturnsItsExitCode() {
        String id = start(sh("exec sh").setTty(true).setOpenStdin(true));
        var s = probe.new Session(SessionOpen.newBuilder().setWorkloadId(id)
                .setAttach(AttachOp.newBuilder().setStdin(true).setLogs(true).setSize(TtySize.newBuilder().setRows(20).setCols(70))));
        await().atMost(Duration.ofSeconds(10)).until(() -> s.stdout().contains("# "));
        s.stdin("stty size; echo h''i; exit 7\n");
        SessionExit exit = s.exit();
        assertEquals("", exit.getError());
        assertEquals(7, exit.getExitCode());
        assertTrue(s.stdout().contains("hi\r\n"), s.stdout());
        assertTrue(s.stdout().contains("20 70"), s.stdout());
    }

    @Test
    void resizeEnvAndWorkingDir() {
        String id = start(sh("sleep 1000"));
        var s = exec(id, cmd("sh").setTty(true).setStdin(true).setSize(TtySize.newBuilder().setRows(10).setCols(50)));
        s.stdin("stty size\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> s.stdout().contains("10 50"));
        s.send(SessionFrame.newBuilder().setResize(TtySize.newBuilder().setRows(40).setCols(120)));
        await().pollDelay(Duration.ofMillis(200)).until(() -> true);
        s.stdin("stty size; exit 2\n");
        assertEquals(2, s.exit().getExitCode());
        assertTrue(s.stdout().contains("40 120"), s.stdout());
        var env = exec(id, cmd("sh", "-c", "echo $FOO; pwd").addEnv("FOO=bar").setWorkingDir("/tmp"));
        assertEquals(0, env.exit().getExitCode());
        assertEquals("bar\n/tmp\n", env.stdout());
    }

    @Test
    void attachWithoutTtyKeepsStderrApartAndStdinEofClosesTheContainersStdin() {
        String id = start(sh("cat; echo done >&2; exit 5").setOpenStdin(true));
        var s = probe.new Session(SessionOpen.newBuilder().setWorkloadId(id).setAttach(AttachOp.newBuilder().setStdin(true)));
        s.stdin("x\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> s.stdout().equals("x\n"));
        s.send(SessionFrame.newBuilder().setStdinEof(true));
        assertEquals(5, s.exit().getExitCode());
        assertEquals("done\n", s.mine().stream().filter(SessionFrame::hasStderr).map(f -> f.getStderr().toStringUtf8())
                .reduce("", String::concat));
    }

    @Test
    void aLargeStdinFrameReachesTheContainerWhole() {
        String id = start(sh("wc -c").setOpenStdin(true));
        var s = probe.new Session(SessionOpen.newBuilder().setWorkloadId(id).setAttach(AttachOp.newBuilder().setStdin(true)));
        s.stdin("y".repeat(20_000));
        s.send(SessionFrame.newBuilder().setStdinEof(true));
        assertEquals(0, s.exit().getExitCode());
        assertEquals("20000", s.stdout().strip());
    }

    @Test
    void detachingLeavesTheContainerRunningAndALaterAttachCanType() throws Exception {
        String id = start(sh("exec sh").setTty(true).setOpenStdin(true).setName("box"));
        var first = probe.new Session(SessionOpen.newBuilder().setWorkloadId(id).setAttach(AttachOp.newBuilder().setStdin(true)));
        first.stdin("echo one\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> first.stdout().contains("one"));
        first.send(SessionFrame.newBuilder().setCancel(true));
        first.exit();
        Thread.sleep(300);
        assertEquals(io.gantry.proto.ContainerState.RUNNING, runtime.status(id).orElseThrow().getState());
        var second = probe.new Session(SessionOpen.newBuilder().setWorkloadId(id).setAttach(AttachOp.newBuilder().setStdin(true)));
        second.stdin("exit 4\n");
        assertEquals(4, second.exit().getExitCode());
        String stopped = runToEnd(io.gantry.agent.RuntimeFixture.sh("true").setName("gone"));
        SessionExit refused = probe.new Session(SessionOpen.newBuilder().setWorkloadId(stopped).setAttach(AttachOp.getDefaultInstance())).exit();
        assertEquals("you cannot attach to a stopped container gone, start it first", refused.getError());
    }
}
