package io.gantry.image;

import java.util.Optional;

/** Tells the store which container (if any) uses an image, so it is never removed under it. */
@FunctionalInterface
public interface ImageUsage {
    ImageUsage NONE = image -> Optional.empty();

    /** The name (or id) of a container using {@code image}, if one does. */
    Optional<String> containerUsing(ImageSummary image);
}
