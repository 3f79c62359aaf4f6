package io.gantry.agent.session;

import static io.gantry.agent.RuntimeFixture.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.gantry.proto.CopyOp;
import io.gantry.proto.Mount;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.StatsOp;
import io.gantry.proto.StatsSample;
import io.gantry.proto.TopOp;
import io.gantry.proto.TopResult;
import io.gantry.proto.Volume;
import io.gantry.proto.VolumeOp;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/** cp (symlink-safe), top, stats and volumes against real containers. */
class NodeOpsSessionTest extends RealSessionTest {
    private SessionProbe.Session open(String id, SessionOpen.Builder open) {
        return probe.new Session(open.setWorkloadId(id).setPlacementVersion(1));
    }

    private static List<String> names(byte[] tar) throws Exception {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : "")
                        + (e.isFile() && !e.isSymbolicLink() ? " = " + new String(in.readAllBytes(), StandardCharsets.UTF_8) : ""));
            }
        }
        return out;
    }

    private static byte[] tar(String... nameContentPairs) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < nameContentPairs.length; i += 2) {
                String name = nameContentPairs[i];
                String content = nameContentPairs[i + 1];
                TarArchiveEntry e;
                if (content.startsWith("->")) {
                    e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(content.substring(2));
                } else {
                    e = new TarArchiveEntry(name);
                    e.setSize(content.length());
                }
                t.putArchiveEntry(e);
                if (!content.startsWith("->")) {
                    t.write(content.getBytes(StandardCharsets.UTF_8));
                }
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private SessionExit copyTo(String id, String path, byte[] tar) {
        var s = open(id, SessionOpen.newBuilder().setCopyTo(CopyOp.newBuilder().setPath(path)));
        s.send(SessionFrame.newBuilder().setData(ByteString.copyFrom(tar)));
        s.send(SessionFrame.newBuilder().setStdinEof(true));
        return s.exit();
    }

    @Test
    void copyFromFollowsPlantedLinksOnlyInsideTheContainer() throws Exception {
        String id = start(sh("echo inside > /etc/secret; ln -s / /etc/evil; ln -s ../../../../../.. /etc/up; sleep 1000"));
        Path hostSecret = tmp.resolve("host-secret");
        Files.writeString(hostSecret, "HOST");
        // "/etc/evil/<host path>" would be the host file if the link were followed on the host.
        var viaRoot = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath("/etc/evil" + hostSecret)));
        SessionExit e1 = viaRoot.exit();
        assertEquals("Could not find the file /etc/evil" + hostSecret + " in container t", e1.getError());
        assertEquals(Status.Code.NOT_FOUND.value(), e1.getStatusCode());
        var viaUp = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath("/etc/up/etc/secret")));
        assertEquals("", viaUp.exit().getError());
        assertEquals(List.of("secret = inside\n"), names(viaUp.data()), "../.. stops at the container's root");
        var link = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath("/etc/evil")));
        link.exit();
        assertEquals(List.of("evil -> /"), names(link.data()), "the link itself, not the host's root");
    }

    @Test
    void copyToNeverWritesOutsideTheRootfsAndWorksOnStoppedContainers() throws Exception {
        // the same directory as the host's temp dir exists in the container: that is where the links must lead
        String id = runToEnd(sh("mkdir -p /data " + tmp + "; ln -s / /data/evil; ln -s ../../../../../../.. /data/up").setName("web"));
        Path outside = tmp.resolve("escaped");
        assertEquals("", copyTo(id, "/data/evil" + tmp, tar("escaped", "x")).getError());
        assertEquals("", copyTo(id, "/data/up" + tmp, tar("escaped", "y")).getError());
        assertFalse(Files.exists(outside), "nothing written on the host");
        SessionExit dotdot = copyTo(id, "/data", tar("../../../../escaped", "z"));
        assertTrue(dotdot.getError().contains("\"..\""), dotdot.getError());
        SessionExit escapingLink = copyTo(id, "/data", tar("l", "->../../../.."));
        assertTrue(escapingLink.getError().contains("points out of the container"), escapingLink.getError());
        assertEquals("", copyTo(id, "/data", tar("dir/file.txt", "hello")).getError());
        SessionExit missing = copyTo(id, "/nope", tar("f", "x"));
        assertEquals("Could not find the file /nope in container web", missing.getError());
        // and back out, from the stopped container
        var back = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath("/data/dir")));
        assertEquals("", back.exit().getError());
        assertEquals(List.of("dir/", "dir/file.txt = hello"), names(back.data()));
        // what the links pointed at inside the container got the files
        var inRoot = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath(tmp + "/escaped")));
        assertEquals("", inRoot.exit().getError());
        assertEquals(List.of("escaped = y"), names(inRoot.data()));
    }

    @Test
    void copyIntoARunningContainerReachesItsVolumesAndKeepsModes() throws Exception {
        String id = start(sh("mkdir -m 0710 /tmp/priv; sleep 1000")
                .addMounts(Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("vol").setTarget("/data")));
        assertEquals("", copyTo(id, "/data", tar("sub/new.txt", "fresh")).getError());
        assertEquals("fresh", Files.readString(runtime.volumes().dataDir("vol").resolve("sub/new.txt")));
        var back = open(id, SessionOpen.newBuilder().setCopyFrom(CopyOp.newBuilder().setPath("/tmp/priv")));
        assertEquals("", back.exit().getError());
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(back.data()))) {
            TarArchiveEntry dir = in.getNextEntry();
            assertEquals("priv/", dir.getName());
            assertEquals(0710, dir.getMode() & 07777);
        }
    }

    @Test
    void topListsTheContainersProcesses() {
        String id = start(sh("sleep 1000"));
        var s = open(id, SessionOpen.newBuilder().setTop(TopOp.getDefaultInstance()));
        assertEquals("", s.exit().getError());
        TopResult top = s.mine().stream().filter(SessionFrame::hasTop).findFirst().orElseThrow().getTop();
        assertEquals(TopSession.TITLES, top.getTitlesList());
        assertEquals(1, top.getProcessesCount());
        List<String> row = top.getProcesses(0).getColumnsList();
        assertEquals("root", row.get(0));
        assertEquals("sleep 1000", row.get(7)); // busybox sh execs its last command
    }

    @Test
    void statsSampleOneContainerAndTheNode() {
        String id = start(sh("sleep 1000"));
        var one = open(id, SessionOpen.newBuilder().setStats(StatsOp.getDefaultInstance()));
        assertEquals("", one.exit().getError());
        StatsSample sample = one.mine().stream().filter(SessionFrame::hasStats).findFirst().orElseThrow().getStats();
        assertEquals(id, sample.getWorkloadId());
        assertTrue(sample.getCpuUsageNanos() > 0, sample.toString());
        assertTrue(sample.getMemoryUsageBytes() > 0, sample.toString());
        assertTrue(sample.getMemoryLimitBytes() > 0, sample.toString());
        assertEquals(1, sample.getPids(), sample.toString());
        assertTrue(sample.getSystemCpuNanos() > sample.getCpuUsageNanos());
        var node = probe.new Session(SessionOpen.newBuilder().setNode("node-1").setStats(StatsOp.newBuilder().setStream(true)));
        org.awaitility.Awaitility.await().until(() -> node.mine().stream().filter(SessionFrame::hasStats).count() >= 2);
        node.send(SessionFrame.newBuilder().setCancel(true));
        assertEquals(Status.Code.CANCELLED.value(), node.exit().getStatusCode());
    }

    private List<Volume> volumes(VolumeOp.Builder op, SessionExit[] exit) {
        var s = probe.new Session(SessionOpen.newBuilder().setNode("node-1").setVolume(op));
        exit[0] = s.exit();
        return s.mine().stream().filter(SessionFrame::hasVolumes).flatMap(f -> f.getVolumes().getVolumesList().stream()).toList();
    }

    @Test
    void volumesCreateListInspectRemoveAndPrune() {
        SessionExit[] exit = new SessionExit[1];
        Volume created = volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.CREATE).setName("data").putLabels("a", "b"), exit).getFirst();
        assertEquals("local", created.getDriver());
        assertEquals("b", created.getLabelsMap().get("a"));
        assertTrue(created.getCreatedMs() > 0);
        assertEquals(created, volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.CREATE).setName("data"), exit).getFirst(), "idempotent");
        volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.CREATE).setName("spare"), exit);
        runToEnd(sh("true").setName("user").addMounts(Mount.newBuilder().setType(Mount.Type.VOLUME).setSource("data").setTarget("/d")));
        assertEquals(List.of("data", "spare"), volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.LIST), exit).stream().map(Volume::getName).toList());
        assertEquals(List.of("user"), volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.INSPECT).setName("data"), exit).getFirst().getUsedByList());
        volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.REMOVE).setName("data"), exit);
        assertEquals("volume data is in use by container user", exit[0].getError());
        volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.REMOVE).setName("nope"), exit);
        assertEquals(Status.Code.NOT_FOUND.value(), exit[0].getStatusCode());
        var prune = probe.new Session(SessionOpen.newBuilder().setNode("node-1").setVolume(VolumeOp.newBuilder().setKind(VolumeOp.Kind.PRUNE)));
        prune.exit();
        assertEquals(List.of("spare"), prune.mine().stream().filter(SessionFrame::hasPruned).findFirst().orElseThrow().getPruned().getDeletedList());
        volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.REMOVE).setName("data").setForce(true), exit);
        assertEquals("", exit[0].getError(), "force: the stopped user does not block");
        assertEquals(List.of(), volumes(VolumeOp.newBuilder().setKind(VolumeOp.Kind.LIST), exit));
    }
}
