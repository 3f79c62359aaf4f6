package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
import io.gantry.image.PulledImage;
import io.gantry.image.auth.DockerConfigFile;
import io.gantry.image.auth.RegistryCredentials;
import io.gantry.image.auth.RegistryCredentials.Credential;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.build.OciImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Basic auth against a real docker-registry with htpasswd, Bearer tokens through {@link BearerFront}. */
class RegistryAuthTest {
    @TempDir
    static Path shared;
    static LocalRegistry basicRegistry;
    static LocalRegistry openRegistry;
    static OciImage image;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() throws Exception {
        Path htpasswd = shared.resolve("htpasswd");
        Process p = new ProcessBuilder("htpasswd", "-Bbc", htpasswd.toString(), "alice", "wonderland").redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        basicRegistry = LocalRegistry.start(shared.resolve("basic"), 0, new LocalRegistry.Security(htpasswd, null, null));
        openRegistry = LocalRegistry.start(shared.resolve("open"), 0);
        LayerBuilder layer = new LayerBuilder().file("hello.txt", 0644, "hi\n".getBytes(StandardCharsets.UTF_8));
        Blob config = OciImage.config(List.of(), List.of("sh"), List.of(layer.diffId()));
        image = OciImage.of(config, List.of(layer.gzipLayer()));
        new RegistryPusher(new RegistryClient()).push(new ImageReference(openRegistry.address(), "private/app", "v1", null), image);
    }

    @AfterAll
    static void stop() {
        if (basicRegistry != null) {
            basicRegistry.close();
        }
        if (openRegistry != null) {
            openRegistry.close();
        }
    }

    private static RegistryClient client(RegistryCredentials credentials) {
        return new RegistryClient(RegistryClient.defaultHttpClient(), RegistryOptions.defaults().withCredentials(credentials));
    }

    private static RegistryCredentials only(String registry, String user, String password) {
        return RegistryCredentials.of(Map.of(registry, new Credential.UsernamePassword(user, password)));
    }

    @Test
    void basicAuthPushAndPullWithCredentialsFromDockerConfig() throws Exception {
        DockerConfigFile config = new DockerConfigFile(temp.resolve("docker/config.json"));
        config.login(basicRegistry.address(), new Credential.UsernamePassword("alice", "wonderland"));
        RegistryClient client = client(config);
        ImageReference ref = new ImageReference(basicRegistry.address(), "team/app", "v1", null);
        new RegistryPusher(client).push(ref, image);
        PulledImage pulled = new ImageStore(temp.resolve("store"), client).pull(ref, ImageService.PullListener.NONE);
        assertEquals(image.manifestDigest(), pulled.manifestDigest());
        assertEquals("hi\n", Files.readString(pulled.layerDirs().getFirst().resolve("hello.txt")));
    }

    @Test
    void wrongPasswordIsAOneLineAuthenticationFailure() throws Exception {
        ImageReference ref = new ImageReference(basicRegistry.address(), "team/app", "v1", null);
        ImageException e = assertThrows(ImageException.class,
                () -> client(only(basicRegistry.address(), "alice", "wrong")).resolve(ref));
        assertTrue(e.getMessage().startsWith("registry " + basicRegistry.address() + ": authentication failed (401): "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        ImageException none = assertThrows(ImageException.class, () -> new RegistryClient().resolve(ref));
        assertTrue(none.getMessage().startsWith("registry " + basicRegistry.address() + ": authentication required (401)"), none.getMessage());
    }

    @Test
    void checkLoginAcceptsGoodAndRefusesBadCredentials() throws Exception {
        RegistryClient client = new RegistryClient();
        client.checkLogin(basicRegistry.address(), new Credential.UsernamePassword("alice", "wonderland"));
        ImageException e = assertThrows(ImageException.class,
                () -> client.checkLogin(basicRegistry.address(), new Credential.UsernamePassword("alice", "nope")));
        assertTrue(e.getMessage().startsWith("registry " + basicRegistry.address() + ": authentication failed (401)"), e.getMessage());
        client.checkLogin(openRegistry.address(), new Credential.UsernamePassword("anyone", "anything"));
    }

    @Test
    void bearerTokenWithBasicCredentialsIsFetchedOncePerScope() throws Exception {
        try (BearerFront front = new BearerFront(openRegistry.address(), "bob", "builder", null, false)) {
            ImageReference ref = new ImageReference(front.address(), "private/app", "v1", null);
            RegistryClient client = client(only(front.address(), "bob", "builder"));
            ImageStore store = new ImageStore(temp.resolve("store"), client);
            assertEquals(image.manifestDigest(), store.pull(ref, ImageService.PullListener.NONE).manifestDigest());
            assertEquals(image.manifestDigest(), store.pull(ref, ImageService.PullListener.NONE).manifestDigest());
            assertEquals(List.of("GET repository:private/app:pull "), front.tokenRequests, "one token, cached for the scope");

            ImageException anonymous = assertThrows(ImageException.class, () -> new RegistryClient().resolve(ref));
            assertTrue(anonymous.getMessage().startsWith("registry " + front.address() + ": authentication required (401): bad credentials"),
                    anonymous.getMessage());
            ImageException wrong = assertThrows(ImageException.class,
                    () -> client(only(front.address(), "bob", "wrong")).resolve(ref));
            assertEquals("registry " + front.address() + ": authentication failed (401): bad credentials", wrong.getMessage());

            client.checkLogin(front.address(), new Credential.UsernamePassword("bob", "builder"));
            assertThrows(ImageException.class, () -> client.checkLogin(front.address(), new Credential.UsernamePassword("bob", "x")));
        }
    }

    @Test
    void anonymousBearerTokensAndAccessTokenFieldWork() throws Exception {
        try (BearerFront front = new BearerFront(openRegistry.address(), "bob", "builder", null, true)) {
            front.useAccessTokenField = true;
            ImageReference ref = new ImageReference(front.address(), "private/app", "v1", null);
            PulledImage pulled = new ImageStore(temp.resolve("store"), new RegistryClient()).pull(ref, ImageService.PullListener.NONE);
            assertEquals(image.manifestDigest(), pulled.manifestDigest());
            assertEquals(1, front.tokenRequests.size());
        }
    }

    @Test
    void identityTokenIsExchangedWithTheRefreshTokenGrant() throws Exception {
        try (BearerFront front = new BearerFront(openRegistry.address(), "bob", "builder", "refresh-123", false)) {
            ImageReference ref = new ImageReference(front.address(), "private/app", "v1", null);
            RegistryClient client = client(RegistryCredentials.of(Map.of(front.address(), new Credential.IdentityToken("bob", "refresh-123"))));
            assertEquals(image.manifestDigest(), client.resolve(ref).digest());
            assertEquals(List.of("POST repository:private/app:pull refresh_token"), front.tokenRequests);
        }
    }

    @Test
    void perPullCredentialsDoNotLeakTokensIntoTheSharedClient() throws Exception {
        try (BearerFront front = new BearerFront(openRegistry.address(), "bob", "builder", null, false)) {
            ImageReference ref = new ImageReference(front.address(), "private/app", "v1", null);
            ImageStore store = new ImageStore(temp.resolve("store"), new RegistryClient());
            store.pull(ref, ImageService.PullListener.NONE, only(front.address(), "bob", "builder"));
            ImageException e = assertThrows(ImageException.class, () -> store.pull(ref, ImageService.PullListener.NONE));
            assertTrue(e.getMessage().contains("authentication required"), e.getMessage());
        }
    }
}
