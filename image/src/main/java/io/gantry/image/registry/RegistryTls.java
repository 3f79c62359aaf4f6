package io.gantry.image.registry;

import io.gantry.image.ImageException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-registry TLS trust in Docker's layout: every {@code *.crt} in
 * {@code <certsDir>/<host[:port]>/} (usually {@code ca.crt}) is trusted for that registry, on
 * top of the JVM's default CAs. The first certs dir that has a directory for the registry wins.
 * Client certificates ({@code client.cert}/{@code client.key}) are not supported.
 */
public final class RegistryTls {
    public static final List<Path> DEFAULT_CERTS_DIRS = List.of(Path.of("/etc/gantry/certs.d"), Path.of("/etc/docker/certs.d"));

    private final List<Path> certsDirs;
    private final Duration connectTimeout;
    private final Map<String, Optional<HttpClient>> clients = new ConcurrentHashMap<>();

    public RegistryTls(List<Path> certsDirs, Duration connectTimeout) {
        this.certsDirs = List.copyOf(certsDirs);
        this.connectTimeout = connectTimeout;
    }

    public static RegistryTls defaults() {
        return new RegistryTls(DEFAULT_CERTS_DIRS, Duration.ofSeconds(5));
    }

    public List<Path> certsDirs() {
        return certsDirs;
    }

    /** The CA directory configured for {@code registry}, if any. */
    public Optional<Path> caDir(String registry) {
        for (Path dir : certsDirs) {
            Path candidate = dir.resolve(registry.replace("/", "_"));
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** An HTTP client trusting the registry's own CAs, when it has any; built once per registry. */
    public Optional<HttpClient> clientFor(String registry) throws ImageException {
        Optional<HttpClient> cached = clients.get(registry);
        if (cached != null) {
            return cached;
        }
        Optional<Path> dir = caDir(registry);
        Optional<HttpClient> built = dir.isEmpty() ? Optional.empty() : Optional.of(build(registry, dir.get()));
        clients.putIfAbsent(registry, built);
        return clients.get(registry);
    }

    private HttpClient build(String registry, Path dir) throws ImageException {
        List<X509Certificate> cas = readCas(registry, dir);
        if (cas.isEmpty()) {
            throw new ImageException("registry " + registry + ": " + dir + " has no *.crt CA certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            X509TrustManager custom = trustManager(store);
            X509TrustManager system = trustManager(null);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new EitherTrustManager(custom, system)}, null);
            return HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(connectTimeout)
                    .sslContext(context)
                    .build();
        } catch (GeneralSecurityException | IOException e) {
            throw new ImageException("registry " + registry + ": cannot set up TLS with the CAs in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> readCas(String registry, Path dir) throws ImageException {
        List<X509Certificate> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    factory.generateCertificates(in).forEach(cert -> out.add((X509Certificate) cert));
                } catch (CertificateException e) {
                    throw new ImageException("registry " + registry + ": " + file + " is not a PEM certificate: " + e.getMessage(), e);
                }
            }
        } catch (IOException | CertificateException e) {
            throw new ImageException("registry " + registry + ": cannot read CA certificates in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return Arrays.stream(factory.getTrustManagers())
                .filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast)
                .findFirst().orElseThrow(() -> new GeneralSecurityException("no X509 trust manager"));
    }

    /** Trusts a server chain that either the registry's CAs or the system CAs accept. */
    private record EitherTrustManager(X509TrustManager first, X509TrustManager second) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not accepted here");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException notOurs) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
