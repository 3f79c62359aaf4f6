package io.gantry.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Prepares the writable part of a container's root filesystem: {@code upper/}, {@code work/}
 * and the mount point {@code rootfs/} under the container's directory. Mounting is the agent's job.
 */
public final class Snapshotter {
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public OverlayMount prepare(String containerId, PulledImage image, Path containerDir) throws ImageException {
        if (containerId == null || !CONTAINER_ID.matcher(containerId).matches()) {
            throw new ImageException("invalid container id \"" + containerId + "\"");
        }
        try {
            Path upper = Files.createDirectories(containerDir.resolve("upper"));
            Path work = Files.createDirectories(containerDir.resolve("work"));
            Path rootfs = Files.createDirectories(containerDir.resolve("rootfs"));
            List<Path> lower = image.layerDirs();
            if (lower.isEmpty()) {
                // overlayfs needs at least one lower directory; an image without layers gets an empty one.
                lower = List.of(Files.createDirectories(containerDir.resolve("empty-lower")));
            }
            return new OverlayMount(lower, upper, work, rootfs);
        } catch (IOException e) {
            throw new ImageException("cannot prepare the root filesystem of container " + containerId + ": " + e.getMessage(), e);
        }
    }
}
