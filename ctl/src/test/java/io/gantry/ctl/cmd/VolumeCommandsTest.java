package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.proto.PruneResult;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.Volume;
import io.gantry.proto.VolumeList;
import io.gantry.proto.VolumeOp;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** volume create, ls, inspect, rm, prune against a real scheduler and two fake agents. */
class VolumeCommandsTest {
    private static NodeCli cli;

    @BeforeAll
    static void start() throws Exception {
        cli = new NodeCli("node-1", "node-2");
    }

    @AfterAll
    static void stop() throws Exception {
        cli.close();
    }

    @BeforeEach
    void reset() {
        cli.agents.values().forEach(a -> {
            a.opened.clear();
            a.script = (open, r) -> r.exit(0);
        });
    }

    private static VolumeOp op(String node) {
        return cli.agent(node).opened.getLast().getVolume();
    }

    private static SessionFrame.Builder volumes(Volume... v) {
        return SessionFrame.newBuilder().setVolumes(VolumeList.newBuilder().addAllVolumes(java.util.List.of(v)));
    }

    @Test
    void createMakesTheVolumeOnEveryReadyNodeUnlessOneIsNamed() {
        cli.script((open, r) -> {
            r.send(volumes(Volume.newBuilder().setName(open.getVolume().getName()).setDriver("local").build()));
            r.exit(0);
        });
        var r = cli.run("volume", "create", "--label", "team=web", "--label", "tier=", "data");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("data\n");
        for (String n : new String[] {"node-1", "node-2"}) {
            assertThat(op(n).getKind()).isEqualTo(VolumeOp.Kind.CREATE);
            assertThat(op(n).getName()).isEqualTo("data");
            assertThat(op(n).getLabelsMap()).isEqualTo(Map.of("team", "web", "tier", ""));
        }
        cli.agents.values().forEach(a -> a.opened.clear());
        assertThat(cli.run("volume", "create", "--node", "node-2", "logs").out()).isEqualTo("logs\n");
        assertThat(cli.agent("node-1").opened).isEmpty();

        var anonymous = cli.run("volume", "create", "--node", "node-2");
        assertThat(anonymous.out()).matches("[0-9a-f]{64}\n");

        assertThat(cli.run("volume", "create", "--help").out()).contains("on every ready node");
    }

    @Test
    void createReportsAFailingNodeOnOneLine() {
        cli.agent("node-2").script = (open, r) -> r.fail(Status.Code.INVALID_ARGUMENT, "invalid volume name \"a/b\"");
        cli.agent("node-1").script = (open, r) -> r.fail(Status.Code.INVALID_ARGUMENT, "invalid volume name \"a/b\"");
        var r = cli.run("volume", "create", "a/b");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("gantry: node-1: invalid volume name \"a/b\"\ngantry: node-2: invalid volume name \"a/b\"\ngantry: 2 of 2 failed\n");

        var badLabel = cli.run("volume", "create", "--label", "=x", "v");
        assertThat(badLabel.exit()).isEqualTo(125);
        assertThat(badLabel.err()).isEqualTo("gantry: invalid label \"=x\": expected KEY=VALUE\n");
        assertThat(cli.run("volume", "create", "--node", "nope", "v").err()).isEqualTo("gantry: no such node: nope\n");
        assertThat(cli.run("volume", "create", "-d", "nfs", "v").exit()).isEqualTo(125);
    }

    @Test
    void lsAndInspectShowEveryNodesCopy() throws Exception {
        cli.agent("node-1").script = (open, r) -> {
            if (open.getVolume().getKind() == VolumeOp.Kind.INSPECT && !open.getVolume().getName().equals("data")) {
                r.fail(Status.Code.NOT_FOUND, "no such volume: " + open.getVolume().getName());
                return;
            }
            r.send(volumes(Volume.newBuilder().setName("data").setDriver("local").setMountpoint("/var/lib/gantry/volumes/data")
                    .setNode("node-1").addUsedBy("web").build(), Volume.newBuilder().setName("cache").setDriver("local").build()));
            r.exit(0);
        };
        cli.agent("node-2").script = (open, r) -> {
            if (open.getVolume().getKind() == VolumeOp.Kind.INSPECT) {
                r.fail(Status.Code.NOT_FOUND, "no such volume: " + open.getVolume().getName());
                return;
            }
            r.send(volumes(Volume.newBuilder().setName("data").setDriver("local").build()));
            r.exit(0);
        };
        var ls = cli.run("volume", "ls");
        assertThat(ls.exit()).as(ls.toString()).isZero();
        assertThat(ls.out()).isEqualTo("""
                DRIVER   VOLUME NAME   NODE
                local    cache         node-1
                local    data          node-1
                local    data          node-2
                """);
        assertThat(cli.run("volume", "ls", "-q").out()).isEqualTo("cache\ndata\n");
        assertThat(op("node-2").getKind()).isEqualTo(VolumeOp.Kind.LIST);

        var inspect = cli.run("volume", "inspect", "data");
        assertThat(inspect.exit()).as(inspect.toString()).isZero();
        var json = new ObjectMapper().readTree(inspect.out());
        assertThat(json.get(0).get("mountpoint").asText()).isEqualTo("/var/lib/gantry/volumes/data");
        assertThat(json.get(0).get("usedBy").get(0).asText()).isEqualTo("web");
        assertThat(op("node-1").getName()).isEqualTo("data");

        var missing = cli.run("volume", "inspect", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out()).isEqualTo("[]\n");
        assertThat(missing.err()).isEqualTo("gantry: no such volume: ghost\n");
        assertThat(cli.run("volume", "inspect").exit()).isEqualTo(125);
    }

    @Test
    void rmRefusesAVolumeInUseWithOneLine() {
        cli.agent("node-1").script = (open, r) -> r.fail(Status.Code.FAILED_PRECONDITION, "volume data is in use by container web");
        cli.agent("node-2").script = (open, r) -> r.exit(0);
        var r = cli.run("volume", "rm", "data");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("data\n");
        assertThat(r.err()).isEqualTo("gantry: node-1: volume data is in use by container web\n");
        assertThat(op("node-1").getKind()).isEqualTo(VolumeOp.Kind.REMOVE);

        cli.script((open, r2) -> r2.fail(Status.Code.NOT_FOUND, "no such volume: ghost"));
        var missing = cli.run("volume", "rm", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("gantry: no such volume: ghost\n");
        var forced = cli.run("volume", "rm", "-f", "ghost");
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(op("node-2").getForce()).isTrue();
    }

    @Test
    void pruneRemovesUnusedVolumesOnEveryNode() {
        cli.script((open, r) -> {
            r.send(SessionFrame.newBuilder().setPruned(PruneResult.newBuilder().addDeleted("old").setReclaimedBytes(2048)));
            r.exit(0);
        });
        var r = cli.run("volume", "prune", "-f");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("Deleted Volumes:\nnode-1: old\nnode-2: old\n\nTotal reclaimed space: 4.096kB\n");
        assertThat(op("node-1").getKind()).isEqualTo(VolumeOp.Kind.PRUNE);
    }
}
