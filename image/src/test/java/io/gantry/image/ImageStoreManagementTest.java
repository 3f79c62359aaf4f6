package io.gantry.image;

import io.gantry.image.ImageService.LayerProgress;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.build.OciImage;
import io.gantry.image.content.Digests;
import io.gantry.image.layer.LayerApplier;
import io.gantry.image.registry.LocalRegistry;
import io.gantry.image.registry.MediaTypes;
import io.gantry.image.registry.RegistryClient;
import io.gantry.image.registry.RegistryPusher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** images, inspect, tag, rmi, prune, garbage collection, progress and de-duplication against a real registry. */
class ImageStoreManagementTest {
    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static LayerBuilder base;
    static OciImage alpha;
    static OciImage beta;
    static OciImage zstd;
    static ImageReference alphaRef;
    static ImageReference betaRef;
    static ImageReference zstdRef;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.start(shared.resolve("registry"), 0);
        base = new LayerBuilder().dir("etc", 0755).file("etc/os-release", 0644, "ID=gantry\n".getBytes(StandardCharsets.UTF_8))
                .file("big", 0644, new byte[600 * 1024]);
        LayerBuilder a = new LayerBuilder().file("a.txt", 0644, "alpha\n".getBytes(StandardCharsets.UTF_8));
        LayerBuilder b = new LayerBuilder().file("b.txt", 0644, "beta\n".getBytes(StandardCharsets.UTF_8));
        alpha = image(List.of(base, a), false);
        beta = image(List.of(base, b), false);
        LayerBuilder z = new LayerBuilder().file("z.txt", 0644, "zstd\n".getBytes(StandardCharsets.UTF_8));
        zstd = image(List.of(z), true);
        RegistryPusher pusher = new RegistryPusher(new RegistryClient());
        alphaRef = new ImageReference(registry.address(), "alpha", "v1", null);
        betaRef = new ImageReference(registry.address(), "beta", "v1", null);
        zstdRef = new ImageReference(registry.address(), "zstd", "v1", null);
        pusher.push(alphaRef, alpha);
        pusher.push(betaRef, beta);
        pusher.push(zstdRef, zstd);
    }

    private static OciImage image(List<LayerBuilder> layers, boolean useZstd) {
        List<String> diffIds = layers.stream().map(LayerBuilder::diffId).toList();
        Blob config = OciImage.config(List.of("PATH=/bin"), List.of("sh"), diffIds);
        return OciImage.of(config, layers.stream().map(l -> useZstd ? l.zstdLayer() : l.gzipLayer()).toList());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private ImageStore store(RegistryClient client) throws ImageException {
        return new ImageStore(temp.resolve("store"), client);
    }

    private static String configDigest(OciImage image) {
        return image.blobs().getFirst().digest();
    }

    @Test
    void zstdImagePushedToARealRegistryPulls() throws Exception {
        assertEquals(MediaTypes.OCI_LAYER_ZSTD, zstd.blobs().get(1).mediaType());
        PulledImage pulled = store(new RegistryClient()).pull(zstdRef, ImageService.PullListener.NONE);
        assertEquals("zstd\n", Files.readString(pulled.layerDirs().getFirst().resolve("z.txt")));
    }

    @Test
    void concurrentPullsOfImagesSharingALayerFetchEachBlobOnceAndStoreItOnce() throws Exception {
        RegistryClient client = new RegistryClient();
        ImageStore store = store(client);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<PulledImage>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ImageReference ref = i % 2 == 0 ? alphaRef : betaRef;
                results.add(pool.submit(() -> {
                    go.await();
                    return store.pull(ref, ImageService.PullListener.NONE);
                }));
            }
            go.countDown();
            List<PulledImage> pulled = new ArrayList<>();
            for (Future<PulledImage> result : results) {
                pulled.add(result.get(60, TimeUnit.SECONDS));
            }
            assertEquals(pulled.get(0).layerDirs().getFirst(), pulled.get(1).layerDirs().getFirst(), "one directory for the shared layer");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(5, client.blobFetches(), "2 configs + shared base + 2 own layers, each fetched once");
        try (Stream<Path> layers = Files.list(temp.resolve("store/layers"))) {
            assertEquals(3, layers.count());
        }
    }

    @Test
    void progressEventsDescribeEachLayer() throws Exception {
        List<LayerProgress> events = new CopyOnWriteArrayList<>();
        ImageService.PullListener listener = new ImageService.PullListener() {
            @Override
            public void layer(LayerProgress progress) {
                events.add(progress);
            }
        };
        ImageStore store = store(new RegistryClient());
        store.pull(alphaRef, listener);
        String baseDigest = alpha.blobs().get(1).digest();
        long baseSize = alpha.blobs().get(1).size();
        List<LayerProgress> forBase = events.stream().filter(e -> e.digest().equals(baseDigest)).toList();
        assertEquals(new LayerProgress.Waiting(baseDigest, baseSize), forBase.getFirst());
        List<LayerProgress.Downloading> downloads = forBase.stream()
                .filter(LayerProgress.Downloading.class::isInstance).map(LayerProgress.Downloading.class::cast).toList();
        assertFalse(downloads.isEmpty());
        assertEquals(new LayerProgress.Downloading(baseDigest, baseSize, baseSize), downloads.getLast());
        assertEquals(List.of(new LayerProgress.Verifying(baseDigest), new LayerProgress.Extracting(baseDigest),
                new LayerProgress.Done(baseDigest, baseSize)), forBase.subList(forBase.size() - 3, forBase.size()));
        assertEquals(baseDigest.substring(7, 19), forBase.getFirst().shortId());
        // Both Waiting events come before any work.
        assertTrue(events.get(0) instanceof LayerProgress.Waiting && events.get(1) instanceof LayerProgress.Waiting, events.toString());

        events.clear();
        store.pull(betaRef, listener);
        assertTrue(events.contains(new LayerProgress.AlreadyExists(baseDigest, baseSize)), events.toString());
    }

    @Test
    void imagesInspectAndTag() throws Exception {
        ImageStore store = store(new RegistryClient());
        store.pull(alphaRef, ImageService.PullListener.NONE);
        ImageSummary tagged = store.tag(registry.address() + "/alpha:v1", "alpha:v2", registry.address());
        store.tag(configDigest(alpha).substring(7, 19), "other/alpha", registry.address());
        assertEquals(List.of(registry.address() + "/alpha:v1", registry.address() + "/alpha:v2"), tagged.repoTags());

        List<ImageSummary> images = store.images();
        assertEquals(1, images.size());
        ImageSummary summary = images.getFirst();
        assertEquals(configDigest(alpha), summary.id());
        assertEquals(alpha.manifestDigest(), summary.manifestDigest());
        assertEquals(List.of(registry.address() + "/alpha:v1", registry.address() + "/alpha:v2",
                registry.address() + "/other/alpha:latest"), summary.repoTags());
        assertEquals(List.of(registry.address() + "/alpha@" + alpha.manifestDigest(),
                registry.address() + "/other/alpha@" + alpha.manifestDigest()), summary.repoDigests());
        assertEquals(Instant.parse("2000-01-01T00:00:00Z"), summary.created());
        assertTrue(summary.size() >= 600 * 1024, "unpacked size " + summary.size());
        assertFalse(summary.dangling());

        ImageDetails details = store.inspect("alpha:v2", registry.address());
        assertEquals(summary, details.summary());
        assertEquals(List.of("sh"), details.config().cmd());
        assertTrue(details.configJson().contains("\"diff_ids\""), details.configJson());
        assertEquals(2, details.layers().size());
        assertEquals(base.diffId(), details.layers().getFirst().diffId());
        assertEquals(alpha.blobs().get(1).digest(), details.layers().getFirst().digest());
        assertEquals(MediaTypes.OCI_MANIFEST, details.manifestMediaType());
        assertEquals(Optional.of(summary), store.find("sha256:" + Digests.hex(configDigest(alpha)), null));

        assertEquals("no such image: nope:v9", assertThrows(ImageException.class,
                () -> store.inspect("nope:v9", registry.address())).getMessage());
        assertEquals("no such image: alpha:v1", assertThrows(ImageException.class,
                () -> store.tag("alpha:v1", "x:y", "other.registry:5000")).getMessage());
        assertTrue(assertThrows(ImageException.class, () -> store.tag("alpha:v1", "Bad:Name", registry.address()))
                .getMessage().startsWith("invalid image reference"));
    }

    @Test
    void removeUntagsThenDeletesAndRespectsContainersUsingTheImage() throws Exception {
        ImageStore store = store(new RegistryClient());
        store.pull(alphaRef, ImageService.PullListener.NONE);
        store.pull(betaRef, ImageService.PullListener.NONE);
        store.tag("alpha:v1", "alpha:copy", registry.address());
        store.tag("alpha:v1", "mirror/alpha:v1", registry.address());
        ImageUsage alphaInUse = image -> image.id().equals(configDigest(alpha)) ? Optional.of("web-1") : Optional.empty();

        ImageRemoval untag = store.remove("alpha:copy", registry.address(), false, alphaInUse);
        assertEquals(List.of(registry.address() + "/alpha:copy"), untag.untagged());
        assertEquals(List.of(), untag.deleted());

        ImageException multi = assertThrows(ImageException.class,
                () -> store.remove(configDigest(alpha), null, false, ImageUsage.NONE));
        assertTrue(multi.getMessage().contains("image is referenced in multiple repositories"), multi.getMessage());

        store.remove("mirror/alpha:v1", registry.address(), false, alphaInUse);
        ImageException busy = assertThrows(ImageException.class, () -> store.remove("alpha:v1", registry.address(), false, alphaInUse));
        assertEquals("cannot remove alpha:v1: image is in use by container web-1", busy.getMessage());

        // Forced: the reference goes, the image stays (dangling) while the container uses it.
        ImageRemoval forced = store.remove("alpha:v1", registry.address(), true, alphaInUse);
        assertEquals(List.of(), forced.deleted());
        ImageSummary dangling = store.find(configDigest(alpha), null).orElseThrow();
        assertTrue(dangling.dangling());
        assertEquals(List.of(), store.prune(false, alphaInUse).deleted(), "in use: not pruned");
        for (Path dir : store.local(alphaRef.withDigest(alpha.manifestDigest())).orElseThrow().layerDirs()) {
            assertTrue(Files.isDirectory(dir), dir.toString());
        }

        ImageRemoval pruned = store.prune(false, ImageUsage.NONE);
        assertEquals(List.of(configDigest(alpha)), pruned.deleted());
        assertTrue(pruned.reclaimedBytes() > 0);
        // The shared base layer stays for beta; alpha's own layer is gone.
        PulledImage betaLocal = store.local(betaRef).orElseThrow();
        betaLocal.layerDirs().forEach(dir -> assertTrue(Files.isDirectory(dir), dir.toString()));
        try (Stream<Path> layers = Files.list(temp.resolve("store/layers"))) {
            assertEquals(2, layers.count());
        }
        assertFalse(store.content().contains(alpha.manifestDigest()));
        assertTrue(store.content().contains(beta.blobs().get(1).digest()), "shared base blob kept");

        ImageRemoval last = store.remove("beta:v1", registry.address(), false, ImageUsage.NONE);
        assertEquals(List.of(configDigest(beta)), last.deleted());
        assertEquals(List.of(), store.images());
        assertStoreEmpty();
        // A later pull works from scratch.
        assertEquals("alpha\n", Files.readString(store.pull(alphaRef, ImageService.PullListener.NONE).layerDirs().get(1).resolve("a.txt")));
    }

    @Test
    void pruneAllRemovesUnusedTaggedImages() throws Exception {
        ImageStore store = store(new RegistryClient());
        store.pull(alphaRef, ImageService.PullListener.NONE);
        store.pull(betaRef, ImageService.PullListener.NONE);
        assertEquals(List.of(), store.prune(false, ImageUsage.NONE).deleted(), "nothing dangling");
        ImageUsage betaInUse = image -> image.id().equals(configDigest(beta)) ? Optional.of("db") : Optional.empty();
        ImageRemoval pruned = store.prune(true, betaInUse);
        assertEquals(List.of(configDigest(alpha)), pruned.deleted());
        assertEquals(List.of(registry.address() + "/alpha:v1"), pruned.untagged());
        assertEquals(List.of(configDigest(beta)), store.images().stream().map(ImageSummary::id).toList());
    }

    @Test
    void garbageCollectionCleansCrashLeftoversAndKeepsReferencedContent() throws Exception {
        ImageStore store = store(new RegistryClient());
        store.pull(alphaRef, ImageService.PullListener.NONE);
        Path root = temp.resolve("store");
        // What a crash can leave: a half-deleted layer, a half-unpacked one, a partial download, an orphan blob and layer.
        Files.createDirectories(root.resolve("layers/.trash-" + "1".repeat(64)).resolve("usr/bin"));
        Files.createDirectories(root.resolve("layers/.unpack-abc-123/etc"));
        Files.write(root.resolve("ingest/abc-1.part"), new byte[100]);
        byte[] orphan = "orphan".getBytes(StandardCharsets.UTF_8);
        store.content().write(Digests.sha256(orphan), orphan);
        Path orphanLayer = Files.createDirectories(root.resolve("layers/" + "2".repeat(64)));
        Files.write(orphanLayer.resolve("file"), new byte[10]);

        GarbageCollection gc = store.collectGarbage();
        assertEquals(1, gc.blobs());
        assertEquals(1, gc.layers());
        assertTrue(gc.reclaimedBytes() >= 100 + orphan.length + 10, "reclaimed " + gc.reclaimedBytes());
        try (Stream<Path> layers = Files.list(root.resolve("layers"))) {
            assertEquals(2, layers.count(), "only alpha's two layers remain");
        }
        try (Stream<Path> ingest = Files.list(root.resolve("ingest"))) {
            assertEquals(0, ingest.count());
        }
        PulledImage again = store.local(alphaRef).orElseThrow();
        assertEquals(LayerApplier.layerDir(root.resolve("layers"), base.diffId()), again.layerDirs().getFirst());
        assertEquals(0, store.collectGarbage().reclaimedBytes(), "nothing more to collect");
    }

    @Test
    void garbageCollectionDuringAPullNeitherWaitsForItNorTakesItsContent() throws Exception {
        ImageStore store = store(new RegistryClient());
        String ownLayer = alpha.blobs().get(2).digest();
        List<GarbageCollection> during = new CopyOnWriteArrayList<>();
        List<ImageRemoval> pruned = new CopyOnWriteArrayList<>();
        ImageService.PullListener collectMidway = new ImageService.PullListener() {
            @Override
            public void layer(LayerProgress progress) {
                if (progress instanceof LayerProgress.Extracting(String digest) && digest.equals(ownLayer)) {
                    // The base layer is unpacked and both blobs are stored, but nothing is recorded yet.
                    ExecutorService other = Executors.newSingleThreadExecutor();
                    try {
                        during.add(other.submit(store::collectGarbage).get(10, TimeUnit.SECONDS));
                        pruned.add(other.submit(() -> store.prune(true, ImageUsage.NONE)).get(10, TimeUnit.SECONDS));
                    } catch (Exception e) {
                        throw new AssertionError("garbage collection waited for the pull or failed", e);
                    } finally {
                        other.shutdownNow();
                    }
                }
            }
        };
        PulledImage pulled = store.pull(alphaRef, collectMidway);
        assertEquals(new GarbageCollection(0, 0, 0), during.getFirst());
        assertEquals(List.of(), pruned.getFirst().deleted());
        for (Path dir : pulled.layerDirs()) {
            assertTrue(Files.isDirectory(dir), dir.toString());
        }
        assertEquals("alpha\n", Files.readString(pulled.layerDirs().get(1).resolve("a.txt")));
        // Once recorded the image is an ordinary one: unused, so prune -a takes it.
        assertEquals(List.of(configDigest(alpha)), store.prune(true, ImageUsage.NONE).deleted());
        assertStoreEmpty();
    }

    @Test
    void indexWrittenBeforeImagesWereTrackedStillLists() throws Exception {
        ImageStore first = store(new RegistryClient());
        first.pull(alphaRef, ImageService.PullListener.NONE);
        Files.writeString(temp.resolve("store/index.json"),
                "{\"tags\":{\"" + alphaRef.canonical() + "\":\"" + alpha.manifestDigest() + "\"}}");
        ImageStore reopened = store(new RegistryClient());
        assertEquals(List.of(configDigest(alpha)), reopened.images().stream().map(ImageSummary::id).toList());
        assertEquals(0, reopened.collectGarbage().blobs());
    }

    @Test
    void pullByDigestIsAReferenceToo() throws Exception {
        ImageStore store = store(new RegistryClient());
        ImageReference pinned = new ImageReference(registry.address(), "alpha", null, alpha.manifestDigest());
        store.pull(pinned, ImageService.PullListener.NONE);
        ImageSummary summary = store.images().getFirst();
        assertEquals(List.of(), summary.repoTags());
        assertEquals(List.of(registry.address() + "/alpha@" + alpha.manifestDigest()), summary.repoDigests());
        assertFalse(summary.dangling());
        assertEquals(List.of(), store.prune(false, ImageUsage.NONE).deleted());
        assertEquals(List.of(configDigest(alpha)),
                store.remove(registry.address() + "/alpha@" + alpha.manifestDigest(), null, false, ImageUsage.NONE).deleted());
        assertStoreEmpty();
    }

    private void assertStoreEmpty() throws Exception {
        Path root = temp.resolve("store");
        for (String dir : List.of("blobs/sha256", "layers", "ingest")) {
            try (Stream<Path> left = Files.list(root.resolve(dir))) {
                assertEquals(List.of(), left.toList(), dir);
            }
        }
    }
}
