package io.gantry.ctl.cmd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.ctl.cli.RegistryCredentialsLookup;
import io.gantry.proto.ImageList;
import io.gantry.proto.ImageOp;
import io.gantry.proto.ImageSummary;
import io.gantry.proto.PruneResult;
import io.gantry.proto.PullProgress;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** pull, images, image inspect, rmi, tag, image prune against a real scheduler and two fake agents. */
class ImageCommandsTest {
    private static NodeCli cli;

    @TempDir
    Path tmp;

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

    private static ImageOp op(FakeNodeAgent a) {
        return a.opened.getLast().getImage();
    }

    private static SessionFrame.Builder progress(String layer, String status, long current, long total) {
        return SessionFrame.newBuilder().setPullProgress(PullProgress.newBuilder().setLayer(layer).setStatus(status)
                .setCurrent(current).setTotal(total));
    }

    @Test
    void pullShowsEachNodesProgressAsPlainLinesAndSendsTheRegistrysCredentials() throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        cli.agent("node-1").script = (open, r) -> {
            r.send(progress("", "Pulling from app", 0, 0));
            r.send(progress("a1b2c3d4e5f6", "Pulling fs layer", 0, 0));
            r.send(progress("a1b2c3d4e5f6", "Downloading", 100, 1000));
            r.send(progress("a1b2c3d4e5f6", "Downloading", 900, 1000));
            r.send(progress("a1b2c3d4e5f6", "Pull complete", 0, 0));
            r.send(SessionFrame.newBuilder().setPullProgress(PullProgress.newBuilder()
                    .setStatus("Downloaded newer image for 127.0.0.1:5000/app:1").setDigest("sha256:abc")));
            r.exit(0);
        };
        cli.agent("node-2").script = (open, r) -> r.fail(Status.Code.NOT_FOUND, "manifest unknown: 127.0.0.1:5000/app:1");
        CommandLine cl = NodeCli.commandLine();
        ((PullCommand) cl.getSubcommands().get("pull").getCommand()).credentials = new RegistryCredentialsLookup(config);

        var r = cli.run(cl, "pull", "127.0.0.1:5000/app:1");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).as(r.toString()).contains(
                "node-1: Pulling from app\n",
                "node-1: a1b2c3d4e5f6: Pulling fs layer\n",
                "node-1: a1b2c3d4e5f6: Downloading\n",
                "node-1: a1b2c3d4e5f6: Pull complete\n",
                "node-1: Downloaded newer image for 127.0.0.1:5000/app:1\nnode-1: Digest: sha256:abc\n");
        assertThat(r.out().split("Downloading", -1)).as("byte counts are not repeated on plain output").hasSize(2);
        assertThat(r.err()).isEqualTo("gantry: node-2: manifest unknown: 127.0.0.1:5000/app:1\n");
        for (String n : List.of("node-1", "node-2")) {
            ImageOp op = op(cli.agent(n));
            assertThat(op.getKind()).isEqualTo(ImageOp.Kind.PULL);
            assertThat(op.getRef()).isEqualTo("127.0.0.1:5000/app:1");
            assertThat(op.getAuth().getUsername()).isEqualTo("alice");
            assertThat(op.getAuth().getPassword()).isEqualTo("s3cret");
            assertThat(op.getAuth().getRegistry()).isEqualTo("127.0.0.1:5000");
        }
    }

    @Test
    void pullOnOneNodeQuietlyPrintsTheImage() {
        CommandLine cl = NodeCli.commandLine();
        ((PullCommand) cl.getSubcommands().get("pull").getCommand()).credentials = new RegistryCredentialsLookup(tmp.resolve("none.json"));
        cli.agent("node-2").script = (open, r) -> {
            r.send(progress("ab", "Pull complete", 0, 0));
            r.exit(0);
        };
        var r = cli.run(cl, "pull", "-q", "--node", "node-2", "busybox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("busybox\n");
        assertThat(cli.agent("node-1").opened).isEmpty();
        assertThat(op(cli.agent("node-2")).hasAuth()).as("no credentials for an unqualified name").isFalse();
        assertThat(cli.run("image", "pull", "-q", "--node", "node-2", "busybox").out()).isEqualTo("busybox\n");
    }

    @Test
    void badInputIsOneLine() {
        var unknown = cli.run("pull", "--node", "nope", "busybox");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("gantry: no such node: nope\n");
        var missing = cli.run("pull");
        assertThat(missing.exit()).isEqualTo(125);
        assertThat(missing.err()).startsWith("gantry pull: Missing required parameter").hasLineCount(1);
        assertThat(cli.run("tag", "a").exit()).isEqualTo(125);
        assertThat(cli.run("rmi").exit()).isEqualTo(125);
        assertThat(cli.run("images", "--node", "nope").err()).isEqualTo("gantry: no such node: nope\n");
        assertThat(cli.run("image").exit()).isEqualTo(125);
    }

    @Test
    void pullDrawsABlockPerNodeInPlaceOnATerminal() {
        StringWriter text = new StringWriter();
        var d = new PullDisplay(new PrintWriter(text), true, List.of("node-1", "node-2"), "app");
        d.progress("node-1", PullProgress.newBuilder().setLayer("aaa").setStatus("Downloading").setCurrent(500).setTotal(1000).build());
        assertThat(d.lines()).containsExactly("node-1: Pulling app",
                "  aaa: Downloading [========================>                         ] 500B/1kB", "node-2: Pulling app");
        d.progress("node-2", PullProgress.newBuilder().setLayer("bbb").setStatus("Pull complete").build());
        d.progress("node-2", PullProgress.newBuilder().setDigest("sha256:d").setStatus("Downloaded newer image for app").build());
        assertThat(d.lines()).containsExactly("node-1: Pulling app", "  aaa: Downloading [========================>                         ] 500B/1kB",
                "node-2: Downloaded newer image for app", "  bbb: Pull complete", "node-2: Digest: sha256:d");
        String out = text.toString();
        assertThat(out).startsWith("\r\u001b[2Knode-1: Pulling app\n").contains("\u001b[3A").contains("\u001b[4A");
    }

    private static SessionFrame.Builder images(ImageSummary... images) {
        return SessionFrame.newBuilder().setImages(ImageList.newBuilder().addAllImages(List.of(images)));
    }

    @Test
    void imagesListsEveryNodesImagesWithTheNode() {
        long now = System.currentTimeMillis();
        var busybox = ImageSummary.newBuilder().addRepoTags("127.0.0.1:5000/busybox:latest").setId("sha256:" + "b".repeat(64))
                .setCreatedMs(now - 3_600_000).setSizeBytes(4_264_000).build();
        var app = ImageSummary.newBuilder().addRepoTags("app:1").addRepoTags("app:latest").setId("sha256:" + "a".repeat(64))
                .setCreatedMs(now - 60_000).setSizeBytes(10_000_000).build();
        var dangling = ImageSummary.newBuilder().setId("sha256:" + "c".repeat(64)).setCreatedMs(now - 7_200_000).setSizeBytes(1000).build();
        cli.agent("node-1").script = (open, r) -> {
            r.send(images(busybox, app, open.getImage().getAll() ? dangling : busybox).clearImages()
                    .setImages(ImageList.newBuilder().addImages(busybox).addImages(app)
                            .addAllImages(open.getImage().getAll() ? List.of(dangling) : List.of())));
            r.exit(0);
        };
        cli.agent("node-2").script = (open, r) -> {
            r.send(images(busybox.toBuilder().setNode("node-2").build()));
            r.exit(0);
        };

        var r = cli.run("images");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("""
                REPOSITORY               TAG      IMAGE ID       CREATED              SIZE     NODE
                app                      1        aaaaaaaaaaaa   About a minute ago   10MB     node-1
                app                      latest   aaaaaaaaaaaa   About a minute ago   10MB     node-1
                127.0.0.1:5000/busybox   latest   bbbbbbbbbbbb   About an hour ago    4.26MB   node-1
                127.0.0.1:5000/busybox   latest   bbbbbbbbbbbb   About an hour ago    4.26MB   node-2
                """);
        assertThat(op(cli.agent("node-1")).getKind()).isEqualTo(ImageOp.Kind.LIST);

        var all = cli.run("image", "ls", "-a", "--node", "node-1");
        assertThat(all.out()).contains("<none>                   <none>   cccccccccccc   2 hours ago").doesNotContain("node-2");
        assertThat(op(cli.agent("node-1")).getAll()).isTrue();

        assertThat(cli.run("images", "-q").out()).isEqualTo("aaaaaaaaaaaa\nbbbbbbbbbbbb\n");
        assertThat(cli.run("images", "-q", "app").out()).isEqualTo("aaaaaaaaaaaa\n");
        assertThat(cli.run("images", "app").out().lines()).hasSize(3);
        assertThat(cli.run("images", "app:latest").out().lines()).hasSize(2).last().asString().startsWith("app          latest");
        assertThat(cli.run("images", "app:2").out().lines()).hasSize(1);
    }

    @Test
    void imageInspectPrintsEveryNodesRecordAsOneArray() throws Exception {
        cli.agent("node-1").script = (open, r) -> {
            if (open.getImage().getRef().equals("app")) {
                r.send(SessionFrame.newBuilder().setJson("{\"Id\":\"sha256:aaa\",\"RepoTags\":[\"app:latest\"],\"Env\":[\"A=B\"]}"));
                r.exit(0);
            } else {
                r.fail(Status.Code.NOT_FOUND, "no such image: " + open.getImage().getRef());
            }
        };
        cli.agent("node-2").script = (open, r) -> {
            if (open.getImage().getRef().equals("app")) {
                r.send(SessionFrame.newBuilder().setJson("[{\"Id\":\"sha256:aaa\"}]")); // an array is fine too
                r.exit(0);
            } else {
                r.fail(Status.Code.NOT_FOUND, "no such image: " + open.getImage().getRef());
            }
        };

        var r = cli.run("image", "inspect", "app");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("Id").asText()).isEqualTo("sha256:aaa");
        assertThat(json.get(0).get("Node").asText()).isEqualTo("node-1");
        assertThat(json.get(1).get("Node").asText()).isEqualTo("node-2");
        assertThat(r.out()).startsWith("[\n    {\n        \"Id\": ").contains("\"A=B\"");

        var missing = cli.run("image", "inspect", "app", "ghost");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(new ObjectMapper().readTree(missing.out())).hasSize(2);
        assertThat(missing.err()).isEqualTo("gantry: no such image: ghost\n");
    }

    @Test
    void rmiRemovesWhereverTheImageIsAndReportsAnImageInUsePerNode() {
        cli.agent("node-1").script = (open, r) -> {
            r.send(SessionFrame.newBuilder().setPruned(PruneResult.newBuilder().addDeleted("Untagged: app:1")
                    .addDeleted("Deleted: sha256:aaa")));
            r.exit(0);
        };
        cli.agent("node-2").script = (open, r) -> r.fail(Status.Code.FAILED_PRECONDITION,
                "image app:1 is in use by container web (use -f to remove it anyway)");

        var r = cli.run("rmi", "app:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("node-1: Untagged: app:1\nnode-1: Deleted: sha256:aaa\n");
        assertThat(r.err()).isEqualTo("gantry: node-2: image app:1 is in use by container web (use -f to remove it anyway)\n");

        cli.agent("node-1").script = (open, r2) -> r2.exit(0);
        cli.agent("node-2").script = (open, r2) -> r2.fail(Status.Code.NOT_FOUND, "no such image");
        var forced = cli.run("image", "rm", "-f", "app:1");
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(forced.out()).isEqualTo("node-1: Untagged: app:1\n");
        assertThat(op(cli.agent("node-1")).getForce()).isTrue();
        assertThat(op(cli.agent("node-1")).getKind()).isEqualTo(ImageOp.Kind.REMOVE);

        cli.agent("node-1").script = (open, r2) -> r2.fail(Status.Code.NOT_FOUND, "no such image");
        var none = cli.run("rmi", "ghost");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("gantry: no such image: ghost\n");
    }

    @Test
    void tagActsOnEveryNodeThatHasTheSource() {
        cli.agent("node-2").script = (open, r) -> r.fail(Status.Code.NOT_FOUND, "no such image: app:1");
        var r = cli.run("tag", "app:1", "app:stable");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEmpty();
        ImageOp op = op(cli.agent("node-1"));
        assertThat(op.getKind()).isEqualTo(ImageOp.Kind.TAG);
        assertThat(op.getRef()).isEqualTo("app:1");
        assertThat(op.getTarget()).isEqualTo("app:stable");

        cli.agent("node-1").script = (open, r2) -> r2.fail(Status.Code.NOT_FOUND, "no such image: app:1");
        var none = cli.run("image", "tag", "app:1", "app:stable");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("gantry: no such image: app:1\n");
    }

    @Test
    void imagePruneAsksFirstThenTotalsWhatEveryNodeReclaimed() {
        cli.script((open, r) -> {
            r.send(SessionFrame.newBuilder().setPruned(PruneResult.newBuilder().addDeleted("deleted: sha256:" + r.hashCode())
                    .setReclaimedBytes(1_500_000)));
            r.exit(0);
        });
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("n\n".getBytes(StandardCharsets.UTF_8)));
            var declined = cli.run("image", "prune");
            assertThat(declined.exit()).isZero();
            assertThat(declined.out()).isEqualTo("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
            assertThat(cli.agents.values()).allMatch(a -> a.opened.isEmpty());

            System.setIn(new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8)));
            var r = cli.run("image", "prune", "-a");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).startsWith("WARNING! This will remove all images without at least one container associated to them.")
                    .contains("Deleted Images:\nnode-1: deleted: sha256:", "\nnode-2: deleted: sha256:")
                    .endsWith("\n\nTotal reclaimed space: 3MB\n");
            assertThat(op(cli.agent("node-2")).getKind()).isEqualTo(ImageOp.Kind.PRUNE);
            assertThat(op(cli.agent("node-2")).getAll()).isTrue();
        } finally {
            System.setIn(stdin);
        }
        cli.script((open, r) -> {
            r.send(SessionFrame.newBuilder().setPruned(PruneResult.getDefaultInstance()));
            r.exit(0);
        });
        assertThat(cli.run("image", "prune", "-f").out()).isEqualTo("Total reclaimed space: 0B\n");
        SessionOpen open = cli.agent("node-1").opened.getLast();
        assertThat(open.getNode()).isEqualTo("node-1");
    }
}
