package io.gantry.agent.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.RuntimeFixture;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.image.ImageStore;
import io.gantry.image.registry.LocalRegistry;
import io.gantry.image.registry.RegistryClient;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ImageOp;
import io.gantry.proto.ImageSummary;
import io.gantry.proto.PullProgress;
import io.gantry.proto.SessionExit;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.SessionOpen;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image sessions on a real image store, pulling from a local docker-registry (loopback only). */
class ImageSessionsTest {
    @TempDir
    Path tmp;

    @Test
    void pullListTagInspectRemoveAndPrune() throws Exception {
        RuntimeFixture fx = new RuntimeFixture(tmp);
        try (LocalRegistry registry = LocalRegistry.start(tmp.resolve("registry"), 0)) {
            registry.seedBusybox(Path.of("/bin/busybox"));
            ImageStore store = new ImageStore(tmp.resolve("store"), new RegistryClient());
            ContainerRuntime runtime = new ContainerRuntime(fx.settings(), store, Clock.systemUTC(), registry::address, s -> { });
            try {
                SessionProbe probe = new SessionProbe(new ImageSessions(store, runtime, registry::address, "node-1"));
                var pull = probe.new Session(open(ImageOp.newBuilder().setKind(ImageOp.Kind.PULL).setRef("busybox")));
                assertEquals("", pull.exit(Duration.ofSeconds(60)).getError());
                List<PullProgress> progress = pull.mine().stream().filter(SessionFrame::hasPullProgress).map(SessionFrame::getPullProgress).toList();
                assertTrue(progress.stream().anyMatch(p -> p.getStatus().equals("Pull complete") && !p.getLayer().isEmpty()), progress.toString());
                assertTrue(progress.getLast().getDigest().startsWith("sha256:"), progress.toString());

                assertEquals("", op(probe, ImageOp.newBuilder().setKind(ImageOp.Kind.TAG).setRef("busybox").setTarget("busybox:v2")).getError());
                List<ImageSummary> images = list(probe);
                assertEquals(1, images.size());
                assertEquals(List.of(registry.address() + "/busybox:latest", registry.address() + "/busybox:v2"),
                        images.getFirst().getRepoTagsList().stream().sorted().toList());

                var inspect = probe.new Session(open(ImageOp.newBuilder().setKind(ImageOp.Kind.INSPECT).setRef("busybox")));
                assertEquals("", inspect.exit().getError());
                String json = inspect.mine().stream().filter(SessionFrame::hasJson).findFirst().orElseThrow().getJson();
                assertTrue(json.contains("\"Id\" : \"" + images.getFirst().getId() + "\""), json);

                String id = RuntimeFixture.newId();
                runtime.run(RuntimeFixture.assignment(id, RuntimeFixture.sh("true").setName("user").build()));
                await().atMost(Duration.ofSeconds(30)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.EXITED);
                assertEquals(1, list(probe).getFirst().getContainers());
                SessionExit inUse = op(probe, ImageOp.newBuilder().setKind(ImageOp.Kind.REMOVE).setRef(images.getFirst().getId()));
                assertTrue(inUse.getError().contains("in use by container user"), inUse.getError());
                assertEquals(Status.Code.FAILED_PRECONDITION.value(), inUse.getStatusCode());

                runtime.remove(id).get();
                assertEquals("", op(probe, ImageOp.newBuilder().setKind(ImageOp.Kind.REMOVE).setRef("busybox:v2")).getError());
                var prune = probe.new Session(open(ImageOp.newBuilder().setKind(ImageOp.Kind.PRUNE).setAll(true)));
                assertEquals("", prune.exit().getError());
                assertFalse(prune.mine().stream().filter(SessionFrame::hasPruned).findFirst().orElseThrow().getPruned().getDeletedList().isEmpty());
                assertEquals(List.of(), list(probe));
                SessionExit missing = op(probe, ImageOp.newBuilder().setKind(ImageOp.Kind.INSPECT).setRef("busybox"));
                assertEquals(Status.Code.NOT_FOUND.value(), missing.getStatusCode(), missing.getError());
            } finally {
                runtime.removeAll();
                runtime.close();
            }
        }
        fx.assertClean();
    }

    private static SessionOpen.Builder open(ImageOp.Builder op) {
        return SessionOpen.newBuilder().setNode("node-1").setImage(op);
    }

    private static SessionExit op(SessionProbe probe, ImageOp.Builder op) {
        return probe.new Session(open(op)).exit();
    }

    private static List<ImageSummary> list(SessionProbe probe) {
        var s = probe.new Session(open(ImageOp.newBuilder().setKind(ImageOp.Kind.LIST)));
        assertEquals("", s.exit().getError());
        return s.mine().stream().filter(SessionFrame::hasImages).flatMap(f -> f.getImages().getImagesList().stream()).toList();
    }
}
