package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
import io.gantry.image.PulledImage;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.build.OciImage;
import io.gantry.image.content.Digests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeRegistryPullTest {
    @TempDir
    Path temp;
    FakeRegistry registry;
    LayerBuilder layer;
    OciImage image;

    @BeforeEach
    void setUp() throws IOException {
        registry = new FakeRegistry();
        layer = new LayerBuilder().file("hello.txt", 0644, "hi\n".getBytes(StandardCharsets.UTF_8));
        Blob config = OciImage.config(List.of("A=1"), List.of("/hello"), List.of(layer.diffId()));
        image = OciImage.of(config, List.of(layer.gzipLayer()));
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    private void serve(String repository, String tag, OciImage served) {
        registry.json("/v2/" + repository + "/manifests/" + tag, served.manifestMediaType(), served.manifest());
        registry.json("/v2/" + repository + "/manifests/" + served.manifestDigest(), served.manifestMediaType(), served.manifest());
        for (Blob blob : served.blobs()) {
            registry.blob(repository, blob.digest(), blob.bytes());
        }
    }

    private ImageReference ref(String name) {
        return new ImageReference(registry.address(), name, "latest", null);
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !Files.isDirectory(p)).toList();
        }
    }

    /** After a failed pull nothing may be in the store: no blobs, no partial downloads, no layers, no tag. */
    private void assertStoreEmpty(Path store) throws IOException {
        assertEquals(List.of(), files(store.resolve("blobs")));
        assertEquals(List.of(), files(store.resolve("ingest")));
        try (Stream<Path> layers = Files.list(store.resolve("layers"))) {
            assertEquals(List.of(), layers.toList());
        }
        assertFalse(Files.exists(store.resolve("index.json")));
    }

    @Test
    void pullsFromFakeRegistry() throws Exception {
        serve("app", "latest", image);
        Path store = temp.resolve("store");
        PulledImage pulled = new ImageStore(store, new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE);
        assertEquals(image.manifestDigest(), pulled.manifestDigest());
        assertEquals(List.of("/hello"), pulled.config().cmd());
        assertEquals(List.of("A=1"), pulled.config().env());
        assertEquals("hi\n", Files.readString(pulled.layerDirs().getFirst().resolve("hello.txt")));
        assertTrue(Files.readString(store.resolve("index.json")).contains(image.manifestDigest()));
    }

    @Test
    void blobWithWrongContentFailsAndLeavesNothing() throws Exception {
        serve("app", "latest", image);
        Blob realLayer = image.blobs().get(1);
        byte[] tampered = realLayer.bytes().clone();
        tampered[tampered.length / 2] ^= 1;
        registry.blob("app", realLayer.digest(), tampered);
        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().startsWith("blob " + realLayer.digest() + " failed verification: "), e.getMessage());
        assertFalse(Files.exists(store.resolve("blobs/sha256/" + Digests.hex(realLayer.digest()))));
        assertEquals(List.of(), files(store.resolve("ingest")));
        try (Stream<Path> layers = Files.list(store.resolve("layers"))) {
            assertEquals(List.of(), layers.toList());
        }
        assertFalse(Files.exists(store.resolve("index.json")));
    }

    @Test
    void configWithWrongContentFailsAndLeavesNothing() throws Exception {
        serve("app", "latest", image);
        registry.blob("app", image.blobs().getFirst().digest(), "{\"evil\":true}".getBytes(StandardCharsets.UTF_8));
        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
        assertStoreEmpty(store);
    }

    @Test
    void manifestNotMatchingRequestedDigestFailsAndLeavesNothing() throws Exception {
        serve("app", "latest", image);
        String wanted = "sha256:" + "f".repeat(64);
        registry.json("/v2/app/manifests/" + wanted, image.manifestMediaType(), image.manifest());
        Path store = temp.resolve("store");
        ImageReference pinned = new ImageReference(registry.address(), "app", null, wanted);
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(pinned, ImageService.PullListener.NONE));
        assertEquals("manifest digest mismatch for " + pinned.canonical() + ": expected " + wanted + ", got "
                + image.manifestDigest(), e.getMessage());
        assertStoreEmpty(store);
    }

    @Test
    void wrongDiffIdFailsAndLeavesNoLayer() throws Exception {
        Blob config = OciImage.config(List.of(), List.of("sh"), List.of(Digests.sha256("not the layer".getBytes())));
        OciImage lying = OciImage.of(config, List.of(layer.gzipLayer()));
        serve("app", "latest", lying);
        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("failed verification: uncompressed content has digest " + layer.diffId()), e.getMessage());
        try (Stream<Path> layers = Files.list(store.resolve("layers"))) {
            assertEquals(List.of(), layers.toList());
        }
        assertFalse(Files.exists(store.resolve("index.json")));
    }

    @Test
    void contentTypeDisagreeingWithManifestIsRefused() throws Exception {
        serve("app", "latest", image);
        registry.json("/v2/app/manifests/latest", MediaTypes.OCI_INDEX, image.manifest());
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("but the registry sent Content-Type"), e.getMessage());
    }

    @Test
    void indexResolvesToAmd64Manifest() throws Exception {
        serve("app", "latest", image);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"sha256:" + "9".repeat(64)
                + "\",\"size\":7,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.manifestDigest() + "\",\"size\":"
                + image.manifest().length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        registry.json("/v2/app/manifests/multi", MediaTypes.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
        PulledImage pulled = new ImageStore(temp.resolve("store"), new RegistryClient())
                .pull(new ImageReference(registry.address(), "app", "multi", null), ImageService.PullListener.NONE);
        assertEquals(image.manifestDigest(), pulled.manifestDigest());
    }

    @Test
    void anonymousBearerTokenFlow() throws Exception {
        serve("app", "latest", image);
        registry.requiredToken = "good-token";
        registry.answer("GET", "/token", 200, Map.of("Content-Type", "application/json"),
                "{\"token\":\"good-token\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8));
        PulledImage pulled = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE);
        assertEquals(image.manifestDigest(), pulled.manifestDigest());
        FakeRegistry.Request tokenRequest = registry.requests.stream().filter(r -> r.path().equals("/token")).findFirst().orElseThrow();
        assertEquals("service=fake&scope=repository:app:pull", tokenRequest.query());
        assertEquals(1, registry.count("GET", "/token"), "the token is cached");
    }

    @Test
    void blobRedirectToAnotherHostDropsAuthorization() throws Exception {
        try (FakeRegistry cdn = new FakeRegistry()) {
            serve("app", "latest", image);
            registry.requiredToken = "good-token";
            registry.answer("GET", "/token", 200, Map.of(), "{\"access_token\":\"good-token\"}".getBytes(StandardCharsets.UTF_8));
            Blob layerBlob = image.blobs().get(1);
            registry.answer("GET", "/v2/app/blobs/" + layerBlob.digest(), 307,
                    Map.of("Location", "http://" + cdn.address() + "/signed/layer?sig=1"), new byte[0]);
            cdn.answer("GET", "/signed/layer", 200, Map.of(), layerBlob.bytes());
            PulledImage pulled = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref("app"), ImageService.PullListener.NONE);
            assertEquals(1, pulled.layerDirs().size());
            FakeRegistry.Request atCdn = cdn.requests.getFirst();
            assertEquals("/signed/layer", atCdn.path());
            assertNull(atCdn.authorization(), "no credentials to another host");
        }
    }

    @Test
    void missingManifestIsNotFound() throws Exception {
        ImageException e = assertThrows(ImageException.class,
                () -> new RegistryClient().resolve(ref("nope")));
        assertEquals("image " + registry.address() + "/nope:latest not found in registry", e.getMessage());
    }

    @Test
    void blobSizeMismatchIsRefused() throws Exception {
        byte[] body = "0123456789".getBytes(StandardCharsets.UTF_8);
        Path store = temp.resolve("cs");
        io.gantry.image.content.ContentStore content = new io.gantry.image.content.ContentStore(store);
        ImageException e = assertThrows(ImageException.class,
                () -> content.ingest(Digests.sha256(body), 5, () -> new java.io.ByteArrayInputStream(body)));
        assertTrue(e.getMessage().contains("more than the expected 5 bytes"), e.getMessage());
        assertEquals(List.of(), files(store));
        Path ok = content.ingest(Digests.sha256(body), 10, () -> new java.io.ByteArrayInputStream(body));
        assertArrayEquals(body, Files.readAllBytes(ok));
    }

    @Test
    void pullsDockerV2SchemaTwoImage() throws Exception {
        Blob ociConfig = image.blobs().getFirst();
        Blob config = new Blob(MediaTypes.DOCKER_CONFIG, ociConfig.bytes());
        Blob dockerLayer = new Blob(MediaTypes.DOCKER_LAYER_GZIP, image.blobs().get(1).bytes());
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + config.mediaType() + "\",\"size\":" + config.size() + ",\"digest\":\"" + config.digest() + "\"},"
                + "\"layers\":[{\"mediaType\":\"" + dockerLayer.mediaType() + "\",\"size\":" + dockerLayer.size()
                + ",\"digest\":\"" + dockerLayer.digest() + "\"}]}";
        OciImage docker = new OciImage(MediaTypes.DOCKER_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8), List.of(config, dockerLayer));
        serve("docker", "latest", docker);
        PulledImage pulled = new ImageStore(temp.resolve("store"), new RegistryClient())
                .pull(ref("docker"), ImageService.PullListener.NONE);
        assertEquals(docker.manifestDigest(), pulled.manifestDigest());
        assertEquals("hi\n", Files.readString(pulled.layerDirs().getFirst().resolve("hello.txt")));
    }

    @Test
    void schema1FromRegistryIsRefused() throws Exception {
        registry.json("/v2/old/manifests/latest", MediaTypes.DOCKER_SCHEMA1_SIGNED,
                "{\"schemaVersion\":1,\"name\":\"old\",\"tag\":\"latest\",\"fsLayers\":[]}".getBytes(StandardCharsets.UTF_8));
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref("old"), ImageService.PullListener.NONE));
        assertEquals("image " + registry.address() + "/old:latest uses the deprecated Docker schema1 manifest format, which is not supported",
                e.getMessage());
    }

    @Test
    void plainHttpOnlyForLoopbackOrInsecureList() {
        RegistryClient client = new RegistryClient();
        assertEquals("http://127.0.0.1:5000", client.baseUrl("127.0.0.1:5000"));
        assertEquals("http://127.9.9.9:5000", client.baseUrl("127.9.9.9:5000"));
        assertEquals("http://localhost:5000", client.baseUrl("localhost:5000"));
        assertEquals("http://[::1]:5000", client.baseUrl("[::1]:5000"));
        assertEquals("https://registry.example.com", client.baseUrl("registry.example.com"));
        assertEquals("https://10.0.0.1:5000", client.baseUrl("10.0.0.1:5000"));
        RegistryClient insecure = new RegistryClient(RegistryClient.defaultHttpClient(), java.util.Set.of("10.0.0.1:5000"),
                "linux", "amd64", java.time.Duration.ofMinutes(1), java.time.Clock.systemUTC());
        assertEquals("http://10.0.0.1:5000", insecure.baseUrl("10.0.0.1:5000"));
    }

    @Test
    void hugeManifestFromRegistryIsRefusedWithoutReadingItAll() throws Exception {
        byte[] huge = new byte[Manifests.MAX_MANIFEST_BYTES + 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        huge[huge.length - 1] = '}';
        registry.json("/v2/huge/manifests/latest", MediaTypes.OCI_MANIFEST, huge);
        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref("huge"), ImageService.PullListener.NONE));
        assertEquals("manifest for " + registry.address() + "/huge:latest is larger than " + Manifests.MAX_MANIFEST_BYTES + " bytes",
                e.getMessage());
        assertStoreEmpty(store);
    }

    @Test
    void configWithAnAbsurdNumberOfLayersFromRegistryIsRefused() throws Exception {
        StringBuilder config = new StringBuilder("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
        for (int i = 0; i < 5000; i++) {
            config.append(i == 0 ? "" : ",").append("\"").append(layer.diffId()).append('"');
        }
        config.append("]}}");
        Blob configBlob = new Blob(MediaTypes.OCI_CONFIG, config.toString().getBytes(StandardCharsets.UTF_8));
        OciImage absurd = OciImage.of(configBlob, List.of(layer.gzipLayer()));
        serve("absurd", "latest", absurd);
        Path store = temp.resolve("store");
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(store, new RegistryClient()).pull(ref("absurd"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("lists 5000 layers, more than the limit of 128"), e.getMessage());
        try (Stream<Path> layers = Files.list(store.resolve("layers"))) {
            assertEquals(List.of(), layers.toList());
        }
        assertFalse(Files.exists(store.resolve("index.json")));
    }

    @Test
    void configLargerThanTheLimitIsNotDownloaded() throws Exception {
        Blob config = image.blobs().getFirst();
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"size\":" + (ImageStore.MAX_CONFIG_BYTES + 1)
                + ",\"digest\":\"" + config.digest() + "\"},\"layers\":[]}";
        registry.json("/v2/fat/manifests/latest", MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref("fat"), ImageService.PullListener.NONE));
        assertTrue(e.getMessage().contains("more than the limit of " + ImageStore.MAX_CONFIG_BYTES), e.getMessage());
        assertEquals(0, registry.count("GET", "/v2/fat/blobs/"));
    }

    /** A clock the test moves by hand. */
    private static final class ManualClock extends java.time.Clock {
        private volatile java.time.Instant now = java.time.Instant.parse("2030-01-01T00:00:00Z");

        void advance(java.time.Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void bearerTokensAreRefetchedWhenExpiredOrRefused() throws Exception {
        serve("app", "latest", image);
        registry.requiredToken = "first";
        registry.answer("GET", "/token", 200, Map.of(), "{\"token\":\"first\",\"expires_in\":60}".getBytes(StandardCharsets.UTF_8));
        ManualClock clock = new ManualClock();
        RegistryClient client = new RegistryClient(RegistryClient.defaultHttpClient(), RegistryOptions.defaults().withClock(clock));
        client.resolve(ref("app"));
        client.resolve(ref("app"));
        assertEquals(1, registry.count("GET", "/token"), "cached while valid");
        clock.advance(java.time.Duration.ofSeconds(61));
        client.resolve(ref("app"));
        assertEquals(2, registry.count("GET", "/token"), "fetched again once expired");
        long unauthorizedBefore = registry.requests.stream().filter(r -> r.path().startsWith("/v2/app/") && r.authorization() == null).count();
        assertEquals(2, unauthorizedBefore, "an expired token is not sent; the registry's challenge asks for a new one");

        // The registry stops accepting the cached token: one challenge, one new token, success.
        registry.requiredToken = "second";
        registry.answer("GET", "/token", 200, Map.of(), "{\"token\":\"second\",\"expires_in\":60}".getBytes(StandardCharsets.UTF_8));
        assertEquals(image.manifestDigest(), client.resolve(ref("app")).digest());
        assertEquals(3, registry.count("GET", "/token"));
    }

    @Test
    void unsupportedChallengeSchemeIsOneLine() throws Exception {
        registry.answer("GET", "/v2/app/manifests/latest", 401, Map.of("WWW-Authenticate", "Negotiate"), new byte[0]);
        ImageException e = assertThrows(ImageException.class, () -> new RegistryClient().resolve(ref("app")));
        assertEquals("registry " + registry.address() + " asked for an unsupported authentication scheme: Negotiate", e.getMessage());
    }
}
