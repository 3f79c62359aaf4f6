package io.gantry.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.auth.RegistryCredentials;
import io.gantry.image.auth.RegistryCredentials.Credential;
import io.gantry.image.content.Digests;
import io.gantry.image.registry.ParsedManifest.ImageIndex;
import io.gantry.image.registry.ParsedManifest.ImageManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Talks the OCI distribution API to one or more registries: resolves manifests (choosing the
 * configured platform from an index) and opens blobs. Plain http is used only for the explicit
 * insecure list and (unless turned off) loopback registries without a configured CA; everything
 * else is https, trusting the registry's own CA from the certs dirs. Basic and Bearer
 * authentication answer the registry's challenges with the configured credentials. Thread-safe.
 */
public class RegistryClient {
    private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BYTES = 8 * 1024;

    private final HttpClient http;
    private final RegistryOptions options;
    private final RegistryAuth auth;
    private final AtomicLong blobFetches;

    /** Platform linux/amd64, no insecure registries beyond loopback, CAs from the default certs dirs, no credentials. */
    public RegistryClient() {
        this(defaultHttpClient(), RegistryOptions.defaults());
    }

    /**
     * @param http               should not follow redirects itself (this class does, dropping credentials across hosts)
     * @param insecureRegistries {@code host[:port]} entries that may be spoken to over plain http
     * @param requestTimeout     upper bound for a single request, including a whole blob download
     */
    public RegistryClient(HttpClient http, Set<String> insecureRegistries, String os, String architecture,
                          Duration requestTimeout, Clock clock) {
        this(http, RegistryOptions.defaults().withInsecureRegistries(insecureRegistries).withPlatform(os, architecture)
                .withRequestTimeout(requestTimeout).withClock(clock));
    }

    /** @param http used for registries without a CA of their own; should not follow redirects itself */
    public RegistryClient(HttpClient http, RegistryOptions options) {
        this(http, options, new AtomicLong());
    }

    private RegistryClient(HttpClient http, RegistryOptions options, AtomicLong blobFetches) {
        this.http = http;
        this.options = options;
        this.auth = new RegistryAuth(options.credentials(), options.clock());
        this.blobFetches = blobFetches;
    }

    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public RegistryOptions options() {
        return options;
    }

    /**
     * The same client with other credentials (e.g. those sent along with one pull) and its own
     * token cache, so tokens of one user are never used for another. Shares the blob counter.
     */
    public RegistryClient withCredentials(RegistryCredentials credentials) {
        return new RegistryClient(http, options.withCredentials(credentials), blobFetches);
    }

    /** How many blob GETs this client has sent (tests use it to prove de-duplication). */
    public long blobFetches() {
        return blobFetches.get();
    }

    /** {@code GET /v2/}: succeeds when the registry answers 200 (or 401, meaning it wants credentials). */
    public void ping(String registry) throws ImageException {
        URI uri = URI.create(baseUrl(registry) + "/v2/");
        HttpResponse<Void> response = send(registry, HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(10)),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 200 && response.statusCode() != 401) {
            throw new ImageException("registry " + registry + " answered HTTP " + response.statusCode() + " to GET /v2/");
        }
    }

    /**
     * What {@code login} does before storing credentials: {@code GET /v2/} answering the registry's
     * challenge with {@code credential} only. Throws a one-line
     * {@code registry R: authentication failed (401): ...} when the registry refuses them.
     */
    public void checkLogin(String registry, Credential credential) throws ImageException {
        RegistryAuth probe = new RegistryAuth(RegistryCredentials.of(Map.of(registry, credential)), options.clock());
        URI uri = URI.create(baseUrl(registry) + "/v2/");
        HttpResponse<byte[]> first = send(registry, HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(30)),
                HttpResponse.BodyHandlers.ofByteArray());
        if (first.statusCode() == 200) {
            return;
        }
        if (first.statusCode() != 401) {
            throw new ImageException("registry " + registry + " answered HTTP " + first.statusCode() + " to GET /v2/");
        }
        String header = probe.answer(registry, null, first.headers().allValues("WWW-Authenticate"),
                errorMessage(first.body()), tokenTransport(registry));
        HttpResponse<byte[]> second = send(registry, HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(30))
                .header("Authorization", header), HttpResponse.BodyHandlers.ofByteArray());
        if (second.statusCode() == 401 || second.statusCode() == 403) {
            throw RegistryAuth.authenticationFailed(registry, second.statusCode(), errorMessage(second.body()));
        }
        if (second.statusCode() != 200) {
            throw new ImageException("registry " + registry + " answered HTTP " + second.statusCode() + " to GET /v2/");
        }
    }

    /** Resolves {@code ref} to the manifest of this client's platform, verifying digests on the way. */
    public ResolvedManifest resolve(ImageReference ref) throws ImageException {
        String what = ref.canonical();
        Fetched top = fetchManifest(ref, ref.manifestReference());
        String topDigest = Digests.sha256(top.bytes());
        if (ref.digest() != null) {
            verifyManifestDigest(what, ref.digest(), topDigest);
        }
        ParsedManifest parsed = Manifests.parse(what, top.contentType(), top.bytes());
        if (parsed instanceof ImageManifest manifest) {
            return new ResolvedManifest(topDigest, manifest.mediaType(), top.bytes(), manifest);
        }
        Descriptor chosen = Manifests.choosePlatform(what, (ImageIndex) parsed, options.os(), options.architecture());
        if (!MediaTypes.MANIFESTS.contains(chosen.mediaType())) {
            throw new ImageException("index for " + what + " points at unsupported media type " + chosen.mediaType()
                    + " for " + chosen.platform());
        }
        Fetched platform = fetchManifest(ref, chosen.digest());
        verifyManifestDigest(what, chosen.digest(), Digests.sha256(platform.bytes()));
        if (platform.bytes().length != chosen.size()) {
            throw new ImageException("manifest size mismatch for " + what + ": expected " + chosen.size()
                    + " bytes, got " + platform.bytes().length);
        }
        ParsedManifest inner = Manifests.parse(what, platform.contentType(), platform.bytes());
        if (!(inner instanceof ImageManifest manifest)) {
            throw new ImageException("index for " + what + " points at another index for " + chosen.platform());
        }
        if (!manifest.mediaType().equals(chosen.mediaType())) {
            throw new ImageException("manifest for " + what + " is " + manifest.mediaType()
                    + " but its index entry says " + chosen.mediaType());
        }
        return new ResolvedManifest(chosen.digest(), manifest.mediaType(), platform.bytes(), manifest);
    }

    /**
     * Opens {@code GET /v2/NAME/blobs/DIGEST}, following redirects. The caller must verify the
     * bytes (see {@link io.gantry.image.content.ContentStore}) and close the stream.
     */
    public InputStream openBlob(ImageReference ref, String digest) throws ImageException {
        Digests.require(digest, "blob");
        blobFetches.incrementAndGet();
        URI uri = URI.create(baseUrl(ref.registry()) + "/v2/" + ref.repository() + "/blobs/" + digest);
        HttpResponse<InputStream> response = sendAuthorized(ref, "pull",
                () -> HttpRequest.newBuilder(uri).GET(), HttpResponse.BodyHandlers.ofInputStream());
        for (int hop = 0; isRedirect(response.statusCode()); hop++) {
            closeQuietly(response.body());
            if (hop >= MAX_REDIRECTS) {
                throw new ImageException("blob " + digest + " of " + ref.canonical() + ": too many redirects");
            }
            URI target = response.uri().resolve(response.headers().firstValue("Location")
                    .orElseThrow(() -> new ImageException("registry " + ref.registry() + " sent a redirect without Location")));
            checkRedirectTarget(ref.registry(), target);
            HttpRequest.Builder next = HttpRequest.newBuilder(target).GET().timeout(options.requestTimeout());
            // Credentials stay with the registry; a CDN on another host gets a signed URL instead.
            if (sameAuthority(target, URI.create(baseUrl(ref.registry())))) {
                auth.cached(ref.registry(), scope(ref, "pull")).ifPresent(header -> next.header("Authorization", header));
            }
            response = send(ref.registry(), next, HttpResponse.BodyHandlers.ofInputStream());
        }
        int status = response.statusCode();
        if (status == 200) {
            return response.body();
        }
        closeQuietly(response.body());
        if (status == 404) {
            throw new ImageException("blob " + digest + " of image " + ref.canonical() + " not found in registry");
        }
        throw statusError(ref, "blob " + digest, status);
    }

    record Fetched(byte[] bytes, String contentType) {
    }

    Fetched fetchManifest(ImageReference ref, String reference) throws ImageException {
        URI uri = URI.create(baseUrl(ref.registry()) + "/v2/" + ref.repository() + "/manifests/" + reference);
        HttpResponse<InputStream> response = sendAuthorized(ref, "pull",
                () -> HttpRequest.newBuilder(uri).GET().header("Accept", MediaTypes.MANIFEST_ACCEPT),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404) {
                throw new ImageException("image " + ref.canonical() + " not found in registry");
            }
            if (status != 200) {
                throw statusError(ref, "manifest", status);
            }
            byte[] bytes = body.readNBytes(Manifests.MAX_MANIFEST_BYTES + 1);
            if (bytes.length > Manifests.MAX_MANIFEST_BYTES) {
                throw new ImageException("manifest for " + ref.canonical() + " is larger than " + Manifests.MAX_MANIFEST_BYTES + " bytes");
            }
            return new Fetched(bytes, response.headers().firstValue("Content-Type").orElse(null));
        } catch (IOException e) {
            throw new ImageException("reading the manifest of " + ref.canonical() + " failed: " + describe(e), e);
        }
    }

    /** The scheme and authority of {@code registry}: http only for loopback or insecure registries. */
    public String baseUrl(String registry) {
        return (allowsPlainHttp(registry) ? "http://" : "https://") + registry;
    }

    boolean allowsPlainHttp(String registry) {
        if (options.insecureRegistries().contains(registry)) {
            return true;
        }
        // A CA configured for the registry says it speaks TLS, even on loopback.
        return options.loopbackPlainHttp() && isLoopback(hostOf(registry)) && options.tls().caDir(registry).isEmpty();
    }

    /**
     * Sends a request built by {@code request} (fresh each attempt), answering an authentication
     * challenge of the registry once. A second refusal is a one-line authentication error.
     */
    <T> HttpResponse<T> sendAuthorized(ImageReference ref, String actions, RequestFactory request,
                                       HttpResponse.BodyHandler<T> handler) throws ImageException {
        String registry = ref.registry();
        String scope = scope(ref, actions);
        Optional<String> cached = auth.cached(registry, scope);
        HttpRequest.Builder first = request.create().timeout(options.requestTimeout());
        cached.ifPresent(header -> first.header("Authorization", header));
        HttpResponse<T> response = send(registry, first, handler);
        if (response.statusCode() != 401) {
            return response;
        }
        String firstMessage = errorMessage(response.body());
        if (cached.isPresent()) {
            auth.forget(registry); // e.g. an expired token or a changed password: start over once
        }
        String header = auth.answer(registry, scope, response.headers().allValues("WWW-Authenticate"), firstMessage,
                tokenTransport(registry));
        HttpRequest.Builder retry = request.create().timeout(options.requestTimeout()).header("Authorization", header);
        HttpResponse<T> second = send(registry, retry, handler);
        if (second.statusCode() == 401 || second.statusCode() == 403) {
            String message = errorMessage(second.body());
            auth.forget(registry);
            if (!auth.hasCredentials(registry)) {
                throw RegistryAuth.authenticationRequired(registry, second.statusCode(), message);
            }
            if (header.startsWith("Basic ")) {
                throw RegistryAuth.authenticationFailed(registry, second.statusCode(), message);
            }
            throw new ImageException("registry " + registry + ": access to " + ref.repository() + " denied ("
                    + second.statusCode() + ")" + (message.isEmpty() ? "" : ": " + message));
        }
        return second;
    }

    @FunctionalInterface
    interface RequestFactory {
        HttpRequest.Builder create() throws ImageException;
    }

    <T> HttpResponse<T> send(String registry, HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws ImageException {
        HttpRequest built = request.build();
        try {
            return clientFor(built.uri()).send(built, handler);
        } catch (javax.net.ssl.SSLException e) {
            throw tlsError(registry, built.uri(), e);
        } catch (IOException e) {
            if (causedBy(e, javax.net.ssl.SSLException.class) instanceof javax.net.ssl.SSLException ssl) {
                throw tlsError(registry, built.uri(), ssl);
            }
            throw new RegistryUnreachableException("registry " + registry + " is unreachable: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while talking to registry " + registry, e);
        }
    }

    /** The client trusting the CA configured for the request's host, or the default one. */
    private HttpClient clientFor(URI uri) throws ImageException {
        if (!"https".equals(uri.getScheme()) || uri.getAuthority() == null) {
            return http;
        }
        return options.tls().clientFor(uri.getAuthority()).orElse(http);
    }

    private ImageException tlsError(String registry, URI uri, javax.net.ssl.SSLException e) {
        String message = describe(e);
        String host = uri.getAuthority();
        String hint = "; put its CA certificate in " + options.tls().certsDirs().stream()
                .findFirst().map(dir -> dir.resolve(host) + "/ca.crt").orElse("the certs dir");
        String why;
        if (message.contains("PKIX") || message.contains("certification path")) {
            why = "TLS certificate of " + host + " is not trusted" + hint;
        } else if (message.contains("No subject alternative") || message.contains("No name matching")) {
            why = "TLS certificate of " + host + " does not match the host name (" + message + ")";
        } else if (message.contains("Unsupported or unrecognized SSL message") || message.contains("plaintext")) {
            why = host + " does not speak TLS (a plain http registry must be listed as insecure)";
        } else {
            why = "TLS handshake with " + host + " failed: " + message;
        }
        return new ImageException("registry " + registry + ": " + why, e);
    }

    private static Throwable causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    /** Token requests: only https realms, or http ones this client may speak plain http to. */
    private RegistryAuth.Transport tokenTransport(String registry) {
        return request -> {
            HttpRequest probe = request.copy().build();
            URI realm = probe.uri();
            if (!"https".equals(realm.getScheme())
                    && !("http".equals(realm.getScheme()) && realm.getHost() != null && allowsPlainHttp(realm.getAuthority()))) {
                throw new ImageException("registry " + registry + " sent a token realm that is not https: " + realm.getScheme() + "://" + realm.getAuthority());
            }
            return send(registry, request.timeout(options.requestTimeout()), HttpResponse.BodyHandlers.ofByteArray());
        };
    }

    private static String scope(ImageReference ref, String actions) {
        return "repository:" + ref.repository() + ":" + actions;
    }

    /**
     * The first message of a registry's error body (JSON {@code errors[0]}, else the first line of
     * text), for one-line errors. Closes a stream body; other body types give what they can.
     */
    static String errorMessage(Object body) {
        byte[] bytes;
        try {
            bytes = switch (body) {
                case InputStream stream -> {
                    try (stream) {
                        yield stream.readNBytes(MAX_ERROR_BYTES);
                    }
                }
                case byte[] array -> array;
                case String text -> text.getBytes(StandardCharsets.UTF_8);
                case null, default -> new byte[0];
            };
        } catch (IOException e) {
            return "";
        }
        if (bytes.length == 0) {
            return "";
        }
        try {
            JsonNode first = JSON.readTree(bytes).path("errors").path(0);
            if (!first.isMissingNode()) {
                String message = first.path("message").asText("");
                String text = message.isEmpty() ? first.path("code").asText("") : message;
                return printable(text.lines().findFirst().orElse(""));
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to plain text
        }
        String text = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8).strip();
        return printable(text.lines().findFirst().orElse(""));
    }

    static String printable(String text) {
        String cleaned = text.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) + "..." : cleaned;
    }

    private void checkRedirectTarget(String registry, URI target) throws ImageException {
        if ("https".equals(target.getScheme())) {
            return;
        }
        if ("http".equals(target.getScheme()) && target.getHost() != null && allowsPlainHttp(target.getAuthority())) {
            return;
        }
        throw new ImageException("registry " + registry + " redirected to a disallowed location " + target.getScheme() + "://" + target.getAuthority());
    }

    private static boolean sameAuthority(URI a, URI b) {
        return a.getScheme().equals(b.getScheme()) && String.valueOf(a.getAuthority()).equalsIgnoreCase(String.valueOf(b.getAuthority()));
    }

    static ImageException statusError(ImageReference ref, String what, int status) {
        return switch (status) {
            case 401, 403 -> new ImageException("registry " + ref.registry() + ": access to " + ref.repository() + " denied (" + status + ")");
            case 429 -> new ImageException("registry " + ref.registry() + " is rate limiting requests for " + ref.repository());
            default -> new ImageException("registry " + ref.registry() + " answered HTTP " + status + " for the " + what + " of " + ref.canonical());
        };
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static void verifyManifestDigest(String what, String expected, String actual) throws ImageException {
        if (!expected.equals(actual)) {
            throw new ImageException("manifest digest mismatch for " + what + ": expected " + expected + ", got " + actual);
        }
    }

    /** The host part of {@code host[:port]} or {@code [v6]:port}. */
    static String hostOf(String registry) {
        if (registry.startsWith("[")) {
            int end = registry.indexOf(']');
            return end > 0 ? registry.substring(1, end) : registry;
        }
        int colon = registry.lastIndexOf(':');
        return colon >= 0 && registry.indexOf(':') == colon ? registry.substring(0, colon) : registry;
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                // A literal address: no DNS lookup happens for literals.
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message);
    }

    static void closeQuietly(InputStream stream) {
        try {
            if (stream != null) {
                stream.close();
            }
        } catch (IOException ignored) {
            // nothing useful to do: the response is being abandoned anyway
        }
    }
}
