package io.gantry.ctl.cli;

import io.gantry.image.auth.DockerConfigFile;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the CLI keeps its own settings: {@code $GANTRY_CONFIG/config.json}, else {@code ~/.gantry/config.json},
 * in Docker's config.json format (so {@code auths} entries can be copied from Docker's), mode 0600.
 */
public final class CliConfig {
    private CliConfig() {
    }

    public static Path path(Map<String, String> env) {
        return RegistryCredentialsLookup.defaultPath(env, Path.of(System.getProperty("user.home")));
    }

    public static DockerConfigFile credentials(Map<String, String> env) {
        return new DockerConfigFile(path(env));
    }
}
