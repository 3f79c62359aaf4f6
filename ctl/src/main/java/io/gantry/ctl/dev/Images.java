package io.gantry.ctl.dev;

import io.gantry.image.ImageService;
import io.gantry.image.ImageException;
import io.gantry.image.ImageStore;
import io.gantry.image.registry.RegistryClient;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** Opens the image store an agent pulls into. */
public final class Images {
    private Images() {
    }

    public static ImageService open(Path root) throws ImageException {
        return new ImageStore(root, new RegistryClient());
    }

    /**
     * @param insecureRegistries {@code host:port} registries spoken to over plain http (loopback
     *                           ones always are), e.g. the local cluster's registry on its bridge
     */
    public static ImageService open(Path root, Set<String> insecureRegistries) throws ImageException {
        if (insecureRegistries.isEmpty()) {
            return open(root);
        }
        return new ImageStore(root, new RegistryClient(RegistryClient.defaultHttpClient(), insecureRegistries,
                "linux", "amd64", Duration.ofMinutes(5), Clock.systemUTC()));
    }
}
