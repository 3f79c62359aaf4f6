package io.gantry.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageException;
import io.gantry.image.auth.RegistryCredentials;
import io.gantry.image.auth.RegistryCredentials.Credential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers {@code WWW-Authenticate} challenges of registries: {@code Basic} with the stored
 * user and password, {@code Bearer} by fetching a token from the challenge's realm (with Basic
 * credentials, an identity token, or anonymously). Tokens are cached per registry and scope
 * until shortly before they expire; registries that answered Basic get it up front afterwards.
 */
final class RegistryAuth {
    private static final Logger log = LoggerFactory.getLogger(RegistryAuth.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile("([A-Za-z_][\\w-]*)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,]*))");
    private static final int MAX_TOKEN_BYTES = 64 * 1024;
    private static final String CLIENT_ID = "gantry";

    private final RegistryCredentials credentials;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Set<String> basicRegistries = ConcurrentHashMap.newKeySet();

    /** Sends a request to the token service (which may be another host than the registry). */
    @FunctionalInterface
    interface Transport {
        HttpResponse<byte[]> send(HttpRequest.Builder request) throws ImageException;
    }

    /** One parsed challenge: its scheme (lower case) and parameters (names lower case). */
    record Challenge(String scheme, Map<String, String> params) {
    }

    private record Token(String value, Instant expires) {
    }

    RegistryAuth(RegistryCredentials credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /** The Authorization header to send up front, when a previous challenge was answered already. */
    Optional<String> cached(String registry, String scope) throws ImageException {
        if (basicRegistries.contains(registry)) {
            Optional<Credential> credential = credentials.lookup(registry);
            if (credential.isPresent() && credential.get() instanceof Credential.UsernamePassword basic) {
                return Optional.of(basicHeader(basic));
            }
        }
        Token token = tokens.get(registry + "|" + scope);
        if (token == null || !clock.instant().isBefore(token.expires())) {
            return Optional.empty();
        }
        return Optional.of("Bearer " + token.value());
    }

    /**
     * The Authorization header answering {@code challengeHeaders} (all WWW-Authenticate values of
     * a 401) for {@code scope} ({@code null}: no scope, as for a login check).
     */
    String answer(String registry, String scope, List<String> challengeHeaders, String errorMessage, Transport transport)
            throws ImageException {
        List<Challenge> challenges = parse(challengeHeaders);
        Optional<Challenge> bearer = challenges.stream().filter(c -> c.scheme().equals("bearer")).findFirst();
        Optional<Credential> credential = credentials.lookup(registry);
        if (bearer.isPresent()) {
            String token = fetchToken(registry, scope, bearer.get(), credential, transport);
            return "Bearer " + token;
        }
        if (challenges.stream().anyMatch(c -> c.scheme().equals("basic"))) {
            if (credential.isEmpty()) {
                throw authenticationRequired(registry, 401, errorMessage);
            }
            if (!(credential.get() instanceof Credential.UsernamePassword basic)) {
                throw new ImageException("registry " + registry + " wants a user name and password, but only an identity token is stored for it");
            }
            basicRegistries.add(registry);
            return basicHeader(basic);
        }
        throw new ImageException("registry " + registry + " asked for an unsupported authentication scheme: "
                + RegistryClient.printable(String.join(", ", challengeHeaders)));
    }

    /** Whether a credential is stored for {@code registry}: decides between "required" and "failed" in messages. */
    boolean hasCredentials(String registry) throws ImageException {
        return credentials.lookup(registry).isPresent();
    }

    /** Forgets cached answers for {@code registry}, e.g. after they were refused. */
    void forget(String registry) {
        basicRegistries.remove(registry);
        tokens.keySet().removeIf(key -> key.startsWith(registry + "|"));
    }

    static ImageException authenticationRequired(String registry, int status, String message) {
        return new ImageException("registry " + registry + ": authentication required (" + status + ")"
                + (message.isEmpty() ? "" : ": " + message) + "; log in first");
    }

    static ImageException authenticationFailed(String registry, int status, String message) {
        return new ImageException("registry " + registry + ": authentication failed (" + status + ")"
                + (message.isEmpty() ? "" : ": " + message));
    }

    private String fetchToken(String registry, String scope, Challenge challenge, Optional<Credential> credential,
                              Transport transport) throws ImageException {
        String realm = challenge.params().get("realm");
        if (realm == null || realm.isBlank()) {
            throw new ImageException("registry " + registry + " sent a Bearer challenge without realm");
        }
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new ImageException("registry " + registry + " sent an invalid token realm");
        }
        List<String> query = new ArrayList<>();
        String service = challenge.params().get("service");
        if (service != null) {
            query.add("service=" + encode(service));
        }
        if (scope != null) {
            query.add("scope=" + encode(scope));
        }
        HttpRequest.Builder request;
        switch (credential.orElse(null)) {
            case Credential.IdentityToken(String user, String refreshToken) -> {
                // Docker's OAuth2 flow: exchange the identity (refresh) token for an access token.
                List<String> form = new ArrayList<>(query);
                form.add("grant_type=refresh_token");
                form.add("client_id=" + CLIENT_ID);
                form.add("refresh_token=" + encode(refreshToken));
                request = HttpRequest.newBuilder(realmUri)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(String.join("&", form)));
            }
            case Credential.UsernamePassword basic -> {
                query.add("account=" + encode(basic.username()));
                request = HttpRequest.newBuilder(withQuery(realmUri, query)).GET().header("Authorization", basicHeader(basic));
            }
            case null -> request = HttpRequest.newBuilder(withQuery(realmUri, query)).GET();
        }
        HttpResponse<byte[]> response = transport.send(request);
        int status = response.statusCode();
        String message = RegistryClient.errorMessage(response.body());
        if (status == 401 || status == 403) {
            throw credential.isPresent() ? authenticationFailed(registry, status, message)
                    : authenticationRequired(registry, status, message);
        }
        if (status != 200) {
            throw new ImageException("token service of registry " + registry + " answered HTTP " + status
                    + (message.isEmpty() ? "" : ": " + message));
        }
        if (response.body().length > MAX_TOKEN_BYTES) {
            throw new ImageException("token service of registry " + registry + " sent an answer larger than " + MAX_TOKEN_BYTES + " bytes");
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ImageException("token service of registry " + registry + " sent an invalid answer: " + RegistryClient.describe(e), e);
        }
        String token = json == null ? "" : json.path("token").asText("");
        if (token.isEmpty() && json != null) {
            token = json.path("access_token").asText("");
        }
        if (token.isEmpty()) {
            throw new ImageException("token service of registry " + registry + " sent no token");
        }
        long expiresIn = json.path("expires_in").asLong(60);
        // Refresh a little early so a token never expires in the middle of a request.
        tokens.put(registry + "|" + scope, new Token(token, clock.instant().plusSeconds(Math.max(10, expiresIn) - 5)));
        log.debug("got a bearer token for {} ({})", registry, scope);
        return token;
    }

    static List<Challenge> parse(List<String> headers) {
        List<Challenge> out = new ArrayList<>();
        for (String header : headers) {
            String text = header.trim();
            int space = text.indexOf(' ');
            String scheme = (space < 0 ? text : text.substring(0, space)).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            if (space >= 0) {
                Matcher matcher = PARAM.matcher(text.substring(space + 1));
                while (matcher.find()) {
                    String value = matcher.group(2) != null ? matcher.group(2).replaceAll("\\\\(.)", "$1") : matcher.group(3);
                    params.put(matcher.group(1).toLowerCase(Locale.ROOT), value);
                }
            }
            if (!scheme.isEmpty()) {
                out.add(new Challenge(scheme, params));
            }
        }
        return out;
    }

    private static URI withQuery(URI realm, List<String> query) {
        if (query.isEmpty()) {
            return realm;
        }
        String text = realm.toString();
        return URI.create(text + (realm.getRawQuery() == null ? "?" : "&") + String.join("&", query));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String basicHeader(Credential.UsernamePassword basic) {
        return "Basic " + Base64.getEncoder().encodeToString((basic.username() + ":" + basic.password()).getBytes(StandardCharsets.UTF_8));
    }
}
