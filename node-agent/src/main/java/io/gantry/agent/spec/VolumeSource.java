package io.gantry.agent.spec;

import java.nio.file.Path;
import java.util.Optional;

/** Where named volumes live on this node. */
public interface VolumeSource {
    /**
     * The host directory to mount for volume {@code name}, created on first use and then filled
     * with a copy of {@code imageContent} (the image's directory at the mount target), as Docker does.
     */
    Path mountSource(String name, Optional<Path> imageContent) throws SpecException;

    VolumeSource NONE = (name, content) -> {
        throw new SpecException("named volumes are not available on this node");
    };
}
