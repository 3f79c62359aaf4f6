package io.gantry.ctl.dev;

import io.gantry.image.ImageService;
import io.gantry.image.ImageException;
import io.gantry.image.ImageStore;
import io.gantry.image.registry.RegistryClient;

import java.nio.file.Path;

/** Opens the image store an agent pulls into. */
public final class Images {
    private Images() {
    }

    public static ImageService open(Path root) throws ImageException {
        return new ImageStore(root, new RegistryClient());
    }
}
