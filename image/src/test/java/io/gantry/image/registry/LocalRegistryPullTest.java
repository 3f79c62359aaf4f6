package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
import io.gantry.image.PulledImage;
import io.gantry.image.build.Blob;
import io.gantry.image.build.BusyboxImage;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.build.OciImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

/** Against Debian's real docker-registry, started by {@link LocalRegistry} on a free port. */
class LocalRegistryPullTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static ImageReference busybox;

    @TempDir
    Path temp;

    @BeforeAll
    static void startRegistry() throws ImageException {
        registry = LocalRegistry.start(shared.resolve("registry"), 0);
        busybox = registry.seedBusybox(BUSYBOX);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pullsSeededBusybox() throws Exception {
        assertEquals(registry.address() + "/busybox:latest", busybox.canonical());
        List<String> events = new CopyOnWriteArrayList<>();
        ImageService.PullListener listener = new ImageService.PullListener() {
            @Override
            public void resolved(String manifestDigest, int layers) {
                events.add("resolved " + layers);
            }

            @Override
            public void layerDone(String digest, long bytes) {
                events.add("layer");
            }
        };
        PulledImage image = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(busybox, listener);
        assertEquals(List.of("resolved 1", "layer"), events);
        assertEquals(BusyboxImage.CMD, image.config().cmd());
        assertEquals(BusyboxImage.ENV, image.config().env());
        Path layer = image.layerDirs().getFirst();
        assertTrue(Files.isRegularFile(layer.resolve("bin/busybox"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0755, (Integer) Files.getAttribute(layer.resolve("bin/busybox"), "unix:mode") & 07777);
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(layer.resolve("bin/sh")));
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(layer.resolve("bin/ls")));
        assertEquals(01777, (Integer) Files.getAttribute(layer.resolve("tmp"), "unix:mode") & 07777);
        assertTrue(Files.readString(layer.resolve("etc/passwd")).startsWith("root:x:0:0:root:/root:/bin/sh\n"));
        for (String dir : List.of("root", "proc", "sys", "dev", "etc", "home")) {
            assertTrue(Files.isDirectory(layer.resolve(dir)), dir);
        }
    }

    @Test
    void busyboxImageIsReproducibleAndValidForSkopeo() throws Exception {
        assertEquals(BusyboxImage.build(BUSYBOX).manifestDigest(), BusyboxImage.build(BUSYBOX).manifestDigest());
        Process skopeo = new ProcessBuilder("skopeo", "inspect", "--tls-verify=false", "docker://" + busybox.canonical())
                .redirectErrorStream(true).start();
        String output = new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(skopeo.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, skopeo.exitValue(), output);
        assertTrue(output.contains("\"Architecture\": \"amd64\""), output);
        assertTrue(output.contains(BusyboxImage.build(BUSYBOX).manifestDigest()), output);
    }

    @Test
    void umociUnpacksTheSeededImageToTheSameTree() throws Exception {
        Path oci = temp.resolve("oci");
        Path bundle = temp.resolve("bundle");
        runOk("skopeo", "copy", "--src-tls-verify=false", "docker://" + busybox.canonical(), "oci:" + oci + ":latest");
        runOk("umoci", "unpack", "--image", oci + ":latest", bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        PulledImage ours = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(busybox, ImageService.PullListener.NONE);
        Path layer = ours.layerDirs().getFirst();
        assertEquals(tree(rootfs), tree(layer));
        assertEquals(Files.size(rootfs.resolve("bin/busybox")), Files.size(layer.resolve("bin/busybox")));
    }

    private static void runOk(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }

    /** Relative path, type and permission bits of every entry under {@code root}. */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root)).map(p -> {
                try {
                    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                    return root.relativize(p) + " " + Integer.toOctalString(mode);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    @Test
    void secondPullReusesEverythingAndPinnedDigestWorks() throws Exception {
        RegistryClient client = new RegistryClient();
        ImageStore store = new ImageStore(temp.resolve("store"), client);
        PulledImage first = store.pull(busybox, ImageService.PullListener.NONE);
        long fetches = client.blobFetches();
        PulledImage second = store.pull(busybox, ImageService.PullListener.NONE);
        assertEquals(first, second);
        assertEquals(fetches, client.blobFetches(), "no blob downloaded twice");
        PulledImage pinned = store.pull(busybox.withDigest(first.manifestDigest()), ImageService.PullListener.NONE);
        assertEquals(first.layerDirs(), pinned.layerDirs());
    }

    @Test
    void missingTagIsNotFound() throws Exception {
        ImageReference missing = new ImageReference(registry.address(), "nope", "latest", null);
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(missing, ImageService.PullListener.NONE));
        assertEquals("image " + registry.address() + "/nope:latest not found in registry", e.getMessage());
    }

    @Test
    void unreachableRegistryIsReported() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ImageReference ref = new ImageReference("127.0.0.1:" + port, "busybox", "latest", null);
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref, ImageService.PullListener.NONE));
        assertEquals("registry 127.0.0.1:" + port + " is unreachable: connection refused", e.getMessage());
    }

    @Test
    void usesLocalCopyWhenRegistryGoesAway() throws Exception {
        PulledImage pulled;
        ImageReference ref;
        try (LocalRegistry transient_ = LocalRegistry.start(temp.resolve("registry2"), 0)) {
            ref = transient_.seedBusybox(BUSYBOX);
            pulled = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref, ImageService.PullListener.NONE);
        }
        PulledImage offline = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref, ImageService.PullListener.NONE);
        assertEquals(pulled, offline);
        ImageReference other = new ImageReference(ref.registry(), "other", "latest", null);
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(other, ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("is unreachable"), e.getMessage());
    }

    @Test
    void concurrentPullsDownloadEachBlobOnce() throws Exception {
        RegistryClient client = new RegistryClient();
        ImageStore store = new ImageStore(temp.resolve("store"), client);
        int pullers = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(pullers);
        try {
            List<Future<PulledImage>> results = new ArrayList<>();
            for (int i = 0; i < pullers; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return store.pull(busybox, ImageService.PullListener.NONE);
                }));
            }
            start.countDown();
            PulledImage first = results.getFirst().get(60, TimeUnit.SECONDS);
            for (Future<PulledImage> result : results) {
                assertEquals(first, result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, client.blobFetches(), "config and layer fetched once each");
    }

    @Test
    void hostileLayerPushedToRealRegistryIsRefused() throws Exception {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        LayerBuilder evil = new LayerBuilder()
                .symlink("a", outside.toString())
                .file("a/pwned", 0644, "gotcha".getBytes(StandardCharsets.UTF_8));
        Blob config = OciImage.config(List.of(), List.of("sh"), List.of(evil.diffId()));
        ImageReference ref = new ImageReference(registry.address(), "hostile", "latest", null);
        new RegistryPusher(new RegistryClient()).push(ref, OciImage.of(config, List.of(evil.gzipLayer())));

        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref, ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("is unsafe: entry \"a/pwned\" goes through the symlink \"a\""), e.getMessage());
        try (Stream<Path> left = Files.list(outside)) {
            assertEquals(List.of(), left.toList(), "nothing written outside the store");
        }
        try (Stream<Path> layers = Files.list(store.resolve("layers"))) {
            assertEquals(List.of(), layers.toList(), "no layer directory left");
        }
        assertFalse(Files.exists(store.resolve("index.json")));
    }

    @Test
    void layerWithWrongDiffIdPushedToRealRegistryIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("x", 0644, new byte[] {1});
        Blob config = OciImage.config(List.of(), List.of("sh"), List.of("sha256:" + "0".repeat(64)));
        ImageReference ref = new ImageReference(registry.address(), "lying", "v1", null);
        new RegistryPusher(new RegistryClient()).push(ref, OciImage.of(config, List.of(layer.gzipLayer())));
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref, ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
    }

    @Test
    void pushSkipsBlobsTheRegistryHas() throws Exception {
        // A second push of the same image must succeed (HEAD finds the blobs) and keep the digest.
        OciImage image = BusyboxImage.build(BUSYBOX);
        assertEquals(image.manifestDigest(), new RegistryPusher(new RegistryClient()).push(busybox, image));
    }

    @Test
    void registryProcessIsGoneAfterClose() throws Exception {
        LocalRegistry transient_ = LocalRegistry.start(temp.resolve("registry3"), 0);
        long pid = transient_.pid();
        transient_.close();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertThrows(ImageException.class, () -> new RegistryClient().ping(transient_.address()));
    }

    @Test
    void busyPortIsReportedInsteadOfTalkingToTheOtherServer() {
        int port = Integer.parseInt(registry.address().substring(registry.address().lastIndexOf(':') + 1));
        ImageException e = assertThrows(ImageException.class, () -> LocalRegistry.start(temp.resolve("registry4"), port));
        assertEquals("cannot start docker-registry: " + registry.address() + " is already in use", e.getMessage());
    }
}
