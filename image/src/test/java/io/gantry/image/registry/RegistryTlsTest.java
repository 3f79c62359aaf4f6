package io.gantry.image.registry;

import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.ImageStore;
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
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real docker-registry serving https with a certificate from a CA made here with openssl. */
class RegistryTlsTest {
    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static Path certsDir;
    static Path otherCa;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() throws Exception {
        Path pki = Files.createDirectories(shared.resolve("pki"));
        openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gantry test CA",
                "-keyout", "ca.key", "-out", "ca.crt");
        openssl(pki, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
        Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(pki, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
        openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=unrelated CA",
                "-keyout", "other.key", "-out", "other.crt");
        otherCa = pki.resolve("other.crt");
        registry = LocalRegistry.start(shared.resolve("registry"), 0,
                new LocalRegistry.Security(null, pki.resolve("server.crt"), pki.resolve("server.key")));
        certsDir = shared.resolve("certs.d");
        Files.createDirectories(certsDir.resolve(registry.address()));
        Files.copy(pki.resolve("ca.crt"), certsDir.resolve(registry.address()).resolve("ca.crt"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
    }

    private static RegistryClient client(List<Path> certsDirs, boolean loopbackPlainHttp) {
        return new RegistryClient(RegistryClient.defaultHttpClient(), RegistryOptions.defaults()
                .withTls(new RegistryTls(certsDirs, Duration.ofSeconds(5))).withLoopbackPlainHttp(loopbackPlainHttp));
    }

    @Test
    void pushesAndPullsOverTlsWithTheRegistrysCa() throws Exception {
        // A second certs dir that lacks the registry is skipped; the CA makes it https even on loopback.
        RegistryClient client = client(List.of(temp.resolve("empty-certs.d"), certsDir), true);
        assertEquals("https://" + registry.address(), client.baseUrl(registry.address()));
        LayerBuilder layer = new LayerBuilder().file("secure.txt", 0644, "tls\n".getBytes(StandardCharsets.UTF_8));
        Blob config = OciImage.config(List.of(), List.of("sh"), List.of(layer.diffId()));
        OciImage image = OciImage.of(config, List.of(layer.gzipLayer()));
        ImageReference ref = new ImageReference(registry.address(), "secure", "v1", null);
        new RegistryPusher(client).push(ref, image);
        var pulled = new ImageStore(temp.resolve("store"), client).pull(ref, ImageService.PullListener.NONE);
        assertEquals("tls\n", Files.readString(pulled.layerDirs().getFirst().resolve("secure.txt")));
    }

    @Test
    void withoutTheCaThePullIsRefusedInOneLine() throws Exception {
        ImageReference ref = new ImageReference(registry.address(), "secure", "v1", null);
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageStore(temp.resolve("store"), client(List.of(temp.resolve("none")), false))
                        .pull(ref, ImageService.PullListener.NONE));
        assertEquals("registry " + registry.address() + ": TLS certificate of " + registry.address()
                + " is not trusted; put its CA certificate in " + temp.resolve("none").resolve(registry.address()) + "/ca.crt", e.getMessage());
        assertFalse(e instanceof RegistryUnreachableException, "a trust failure is not an outage: no silent fallback to a local copy");
    }

    @Test
    void anUnrelatedCaIsRefusedToo() throws Exception {
        Path wrong = temp.resolve("wrong-certs.d");
        Files.createDirectories(wrong.resolve(registry.address()));
        Files.copy(otherCa, wrong.resolve(registry.address()).resolve("ca.crt"));
        ImageException e = assertThrows(ImageException.class,
                () -> client(List.of(wrong), true).resolve(new ImageReference(registry.address(), "secure", "v1", null)));
        assertTrue(e.getMessage().contains("is not trusted"), e.getMessage());
    }

    @Test
    void plainHttpToATlsRegistryIsExplained() {
        RegistryClient insecure = new RegistryClient(RegistryClient.defaultHttpClient(), RegistryOptions.defaults()
                .withTls(new RegistryTls(List.of(), Duration.ofSeconds(5))).withInsecureRegistries(Set.of(registry.address())));
        ImageException e = assertThrows(ImageException.class,
                () -> insecure.resolve(new ImageReference(registry.address(), "secure", "v1", null)));
        assertTrue(e.getMessage().startsWith("registry " + registry.address() + " answered HTTP 400"), e.getMessage());
    }

    @Test
    void httpsToAPlainRegistryIsExplained() throws Exception {
        try (LocalRegistry plain = LocalRegistry.start(temp.resolve("plain"), 0)) {
            ImageException e = assertThrows(ImageException.class,
                    () -> client(List.of(), false).resolve(new ImageReference(plain.address(), "x", "v1", null)));
            assertEquals("registry " + plain.address() + ": " + plain.address()
                    + " does not speak TLS (a plain http registry must be listed as insecure)", e.getMessage());
        }
    }
}
