package io.gantry.ctl.cli;

import io.gantry.image.ImageException;
import io.gantry.image.auth.DockerConfigFile;
import io.gantry.image.auth.RegistryCredentials.Credential;
import io.gantry.proto.RegistryAuth;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The credentials the CLI sends along with a pull or a run ({@link RegistryAuth}), from its config.json in Docker's
 * format ({@code {"auths":{"HOST[:PORT]":{"auth":"base64(user:password)"}}}}, read by the image module's
 * {@link DockerConfigFile}: identity tokens too, credential helpers not).
 * <p>
 * Only references that name their registry ({@code host[:port]/repo}, {@code localhost/repo}) are looked up: an
 * unqualified name comes from the cluster's default registry, which the CLI does not know, and guessing would
 * send a secret to the wrong host.
 */
public final class RegistryCredentialsLookup {
    private static final Set<String> HUB_HOSTS = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

    private final DockerConfigFile file;

    public RegistryCredentialsLookup(Path configFile) {
        this.file = new DockerConfigFile(configFile);
    }

    /** {@code $GANTRY_CONFIG/config.json}, else {@code ~/.gantry/config.json}. */
    public static Path defaultPath(Map<String, String> environment, Path home) {
        String dir = environment.get("GANTRY_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir, "config.json") : home.resolve(".gantry").resolve("config.json");
    }

    /** The lookup for this process: its environment and home directory. */
    public static RegistryCredentialsLookup forThisUser() {
        return new RegistryCredentialsLookup(defaultPath(System.getenv(), Path.of(System.getProperty("user.home"))));
    }

    public Path configFile() {
        return file.file();
    }

    /** The credentials stored for {@code image}'s registry, if it names one and the file has an entry for it. */
    public Optional<RegistryAuth> forImage(String image) {
        return registryOf(image).flatMap(this::forRegistry);
    }

    /** The credentials stored for {@code registry} ({@code host[:port]}); a broken file is a one-line error. */
    public Optional<RegistryAuth> forRegistry(String registry) {
        Optional<Credential> found;
        try {
            found = file.lookup(registry);
        } catch (ImageException e) {
            throw new CliException(e.getMessage());
        }
        return found.map(c -> {
            RegistryAuth.Builder b = RegistryAuth.newBuilder().setRegistry(registry);
            switch (c) {
                case Credential.UsernamePassword(String user, String password) -> b.setUsername(user).setPassword(password);
                case Credential.IdentityToken(String user, String token) -> b.setUsername(user == null ? "" : user).setIdentityToken(token);
            }
            return b.build();
        });
    }

    /**
     * The registry an image reference names, by Docker's rule: the part before the first '/' when it contains a
     * '.' or ':' or is {@code localhost} (lower-cased; Docker Hub's aliases as {@code docker.io}).
     */
    public static Optional<String> registryOf(String image) {
        String ref = image.strip();
        int slash = ref.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String first = ref.substring(0, slash);
        if (!(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
            return Optional.empty();
        }
        String host = first.toLowerCase(Locale.ROOT);
        return Optional.of(HUB_HOSTS.contains(host) ? "docker.io" : host);
    }
}
