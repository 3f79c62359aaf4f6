package io.gantry.image.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.image.ImageException;
import io.gantry.image.auth.RegistryCredentials.Credential;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Credentials in Docker's {@code config.json} format:
 * {@code {"auths":{"HOST[:PORT]":{"auth":"base64(user:password)"}}}}, optionally with an
 * {@code identitytoken}. Login and logout change only their own entry; every other key of the
 * file (credsStore, proxies, ...) is kept as it was. Writes are atomic (temp file + rename),
 * the file is mode 0600 and a directory created for it 0700. Credential helpers
 * ({@code credsStore}, {@code credHelpers}) are not run: only inline {@code auths} are read.
 */
public final class DockerConfigFile implements RegistryCredentials {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Docker Hub's historical key; hub references may be written with any of these hosts. */
    private static final String HUB_KEY = "https://index.docker.io/v1/";
    private static final Set<String> HUB_HOSTS = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

    private final Path file;

    public DockerConfigFile(Path file) {
        this.file = file;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, from the given environment and home. */
    public static Path defaultPath(Map<String, String> environment, Path home) {
        String dir = environment.get("DOCKER_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir, "config.json") : home.resolve(".docker").resolve("config.json");
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<Credential> lookup(String registry) throws ImageException {
        JsonNode auths = read().path("auths");
        String wanted = normalize(registry);
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (normalize(entry.getKey()).equals(wanted)) {
                return Optional.of(decode(entry.getKey(), entry.getValue()));
            }
        }
        return Optional.empty();
    }

    /** The registries that have an entry, normalized to {@code host[:port]}. */
    public synchronized Set<String> registries() throws ImageException {
        Set<String> out = new TreeSet<>();
        read().path("auths").properties().forEach(entry -> out.add(normalize(entry.getKey())));
        return out;
    }

    /** Stores {@code credential} for {@code registry}, replacing an entry for the same registry. */
    public synchronized void login(String registry, Credential credential) throws ImageException {
        ObjectNode root = read();
        ObjectNode auths = root.get("auths") instanceof ObjectNode existing ? existing : root.putObject("auths");
        removeEntries(auths, registry);
        ObjectNode entry = auths.putObject(keyFor(registry));
        switch (credential) {
            case Credential.UsernamePassword(String user, String password) ->
                    entry.put("auth", Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            case Credential.IdentityToken(String user, String token) -> {
                entry.put("auth", Base64.getEncoder().encodeToString(((user == null ? "<token>" : user) + ":").getBytes(StandardCharsets.UTF_8)));
                entry.put("identitytoken", token);
            }
        }
        write(root);
    }

    /** Removes the entry of {@code registry}; returns whether there was one. */
    public synchronized boolean logout(String registry) throws ImageException {
        ObjectNode root = read();
        if (!(root.get("auths") instanceof ObjectNode auths) || !removeEntries(auths, registry)) {
            return false;
        }
        write(root);
        return true;
    }

    private static boolean removeEntries(ObjectNode auths, String registry) {
        String wanted = normalize(registry);
        boolean removed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.properties().iterator(); it.hasNext(); ) {
            if (normalize(it.next().getKey()).equals(wanted)) {
                it.remove();
                removed = true;
            }
        }
        return removed;
    }

    private Credential decode(String key, JsonNode entry) throws ImageException {
        String identityToken = entry.path("identitytoken").asText("");
        String user = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ImageException("credentials file " + file + ": the auth of " + key + " is not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new ImageException("credentials file " + file + ": the auth of " + key + " is not user:password");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (!identityToken.isEmpty()) {
            return new Credential.IdentityToken(user.isEmpty() ? null : user, identityToken);
        }
        if (user.isEmpty()) {
            throw new ImageException("credentials file " + file + ": the entry of " + key + " has no credentials");
        }
        return new Credential.UsernamePassword(user, password);
    }

    private ObjectNode read() throws ImageException {
        try {
            byte[] bytes = Files.readAllBytes(file);
            JsonNode root = JSON.readTree(bytes);
            if (root == null || root.isMissingNode()) {
                return JSON.createObjectNode();
            }
            if (!(root instanceof ObjectNode object)) {
                throw new ImageException("credentials file " + file + " is not a JSON object");
            }
            return object;
        } catch (NoSuchFileException e) {
            return JSON.createObjectNode();
        } catch (IOException e) {
            throw new ImageException("cannot read credentials file " + file + ": " + oneLine(e), e);
        }
    }

    private void write(ObjectNode root) throws ImageException {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // Created 0600 from the start: the secret is never readable by others, not even briefly.
            Path temp = Files.createTempFile(dir, ".config-", ".json.tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(temp, JSON.writeValueAsBytes(root));
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
            if (!Files.isSymbolicLink(file)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new ImageException("cannot write credentials file " + file + ": " + oneLine(e), e);
        }
    }

    /** Docker writes Hub as its v1 URL; every other registry as plain {@code host[:port]}. */
    private static String keyFor(String registry) {
        return normalize(registry).equals("docker.io") ? HUB_KEY : normalize(registry);
    }

    /** {@code https://host:port/v1/} and {@code host:port} name the same registry. */
    static String normalize(String key) {
        String text = key.trim();
        if (text.contains("://")) {
            try {
                URI uri = URI.create(text);
                if (uri.getAuthority() != null) {
                    text = uri.getAuthority();
                }
            } catch (IllegalArgumentException ignored) {
                // not a URL after all: compare it as written
            }
        } else {
            int slash = text.indexOf('/');
            if (slash >= 0) {
                text = text.substring(0, slash);
            }
        }
        text = text.toLowerCase(Locale.ROOT);
        return HUB_HOSTS.contains(text) ? "docker.io" : text;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
