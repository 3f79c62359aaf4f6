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
        String dir = env.get("GANTRY_CONFIG");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".gantry");
        return base.resolve("config.json");
    }

    public static DockerConfigFile credentials(Map<String, String> env) {
        return new DockerConfigFile(path(env));
    }
}
