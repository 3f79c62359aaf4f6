package io.gantry.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
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
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks the OCI distribution API to one or more registries: resolves manifests (choosing the
 * configured platform from an index) and opens blobs. Plain http is used only for loopback
 * registries and the explicit insecure list; everything else is https. Anonymous bearer
 * tokens are fetched when a registry asks for them. Thread-safe.
 */
public class RegistryClient {
    private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_TOKEN_BYTES = 64 * 1024;

    private final HttpClient http;
    private final Set<String> insecureRegistries;
    private final String os;
    private final String architecture;
    private final Duration requestTimeout;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final AtomicLong blobFetches = new AtomicLong();

    private record Token(String value, Instant expires) {
    }

    /** Platform linux/amd64, no insecure registries beyond loopback, 5 s connect timeout. */
    public RegistryClient() {
        this(defaultHttpClient(), Set.of(), "linux", "amd64", Duration.ofMinutes(5), Clock.systemUTC());
    }

    /**
     * @param http               should not follow redirects itself (this class does, dropping credentials across hosts)
     * @param insecureRegistries {@code host[:port]} entries that may be spoken to over plain http
     * @param requestTimeout     upper bound for a single request, including a whole blob download
     */
    public RegistryClient(HttpClient http, Set<String> insecureRegistries, String os, String architecture,
                          Duration requestTimeout, Clock clock) {
        this.http = http;
        this.insecureRegistries = Set.copyOf(insecureRegistries);
        this.os = os;
        this.architecture = architecture;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
    }

    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** How many blob GETs this client has sent (tests use it to prove de-duplication). */
    public long blobFetches() {
        return blobFetches.get();
    }

    /** {@code GET /v2/}: succeeds when the registry answers 200 (or 401, meaning it wants a token). */
    public void ping(String registry) throws ImageException {
        URI uri = URI.create(baseUrl(registry) + "/v2/");
        HttpResponse<Void> response = send(registry, HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(10)),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 200 && response.statusCode() != 401) {
            throw new ImageException("registry " + registry + " answered HTTP " + response.statusCode() + " to GET /v2/");
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
        Descriptor chosen = Manifests.choosePlatform(what, (ImageIndex) parsed, os, architecture);
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
            HttpRequest.Builder next = HttpRequest.newBuilder(target).GET().timeout(requestTimeout);
            // Credentials stay with the registry; a CDN on another host gets a signed URL instead.
            if (sameAuthority(target, URI.create(baseUrl(ref.registry())))) {
                tokenFor(ref, "pull").ifPresent(token -> next.header("Authorization", "Bearer " + token));
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
        return insecureRegistries.contains(registry) || isLoopback(hostOf(registry));
    }

    /** Sends a request built by {@code request} (fresh each attempt), adding a bearer token when the registry asks for one. */
    <T> HttpResponse<T> sendAuthorized(ImageReference ref, String actions, RequestFactory request,
                                       HttpResponse.BodyHandler<T> handler) throws ImageException {
        Optional<String> cached = tokenFor(ref, actions);
        HttpRequest.Builder first = request.create().timeout(requestTimeout);
        cached.ifPresent(token -> first.header("Authorization", "Bearer " + token));
        HttpResponse<T> response = send(ref.registry(), first, handler);
        if (response.statusCode() != 401) {
            return response;
        }
        if (response.body() instanceof InputStream stream) {
            closeQuietly(stream);
        }
        String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
        if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ImageException("registry " + ref.registry() + " requires credentials for " + ref.repository()
                    + ", which are not supported yet");
        }
        String token = fetchToken(ref, actions, challenge);
        HttpRequest.Builder retry = request.create().timeout(requestTimeout).header("Authorization", "Bearer " + token);
        HttpResponse<T> second = send(ref.registry(), retry, handler);
        if (second.statusCode() == 401) {
            if (second.body() instanceof InputStream stream) {
                closeQuietly(stream);
            }
            throw new ImageException("registry " + ref.registry() + " denied access to " + ref.repository());
        }
        return second;
    }

    @FunctionalInterface
    interface RequestFactory {
        HttpRequest.Builder create() throws ImageException;
    }

    <T> HttpResponse<T> send(String registry, HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws ImageException {
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new RegistryUnreachableException("registry " + registry + " is unreachable: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while talking to registry " + registry, e);
        }
    }

    private Optional<String> tokenFor(ImageReference ref, String actions) {
        Token token = tokens.get(tokenKey(ref, actions));
        if (token == null || clock.instant().isAfter(token.expires())) {
            return Optional.empty();
        }
        return Optional.of(token.value());
    }

    private String fetchToken(ImageReference ref, String actions, String challenge) throws ImageException {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher matcher = CHALLENGE_PARAM.matcher(challenge);
        while (matcher.find()) {
            params.put(matcher.group(1).toLowerCase(java.util.Locale.ROOT), matcher.group(2));
        }
        String realm = params.get("realm");
        if (realm == null || realm.isBlank()) {
            throw new ImageException("registry " + ref.registry() + " sent a Bearer challenge without realm");
        }
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new ImageException("registry " + ref.registry() + " sent an invalid token realm");
        }
        if (!"https".equals(realmUri.getScheme())
                && !("http".equals(realmUri.getScheme()) && realmUri.getHost() != null && allowsPlainHttp(realmUri.getAuthority()))) {
            throw new ImageException("registry " + ref.registry() + " sent a token realm that is not https: " + realm);
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        }
        String scope = "repository:" + ref.repository() + ":" + actions;
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpResponse<InputStream> response = send(ref.registry(),
                HttpRequest.newBuilder(tokenUri).GET().timeout(requestTimeout), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new ImageException("token service of registry " + ref.registry() + " answered HTTP " + response.statusCode());
            }
            JsonNode json = JSON.readTree(body.readNBytes(MAX_TOKEN_BYTES));
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new ImageException("token service of registry " + ref.registry() + " sent no token");
            }
            long expiresIn = json.path("expires_in").asLong(60);
            tokens.put(tokenKey(ref, actions), new Token(token, clock.instant().plusSeconds(Math.max(10, expiresIn) - 5)));
            log.debug("got a bearer token for {} ({})", ref.repository(), actions);
            return token;
        } catch (IOException e) {
            throw new ImageException("token service of registry " + ref.registry() + " sent an invalid answer: " + describe(e), e);
        }
    }

    private static String tokenKey(ImageReference ref, String actions) {
        return ref.registry() + "|" + ref.repository() + "|" + actions;
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
            case 401, 403 -> new ImageException("registry " + ref.registry() + " denied access to " + ref.repository());
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
