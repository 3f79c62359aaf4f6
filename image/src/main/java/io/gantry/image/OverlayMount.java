package io.gantry.image;

import java.nio.file.Path;
import java.util.List;

/**
 * How to mount a container's root filesystem with overlayfs, as plain data (containerd's
 * snapshotter idea): testable without root; the agent performs the mount.
 *
 * @param lowerDirs image layers, bottom first
 */
public record OverlayMount(List<Path> lowerDirs, Path upperDir, Path workDir, Path target) {

    /** The overlayfs mount data: lowerdir lists the top layer first, as the kernel expects. */
    public String options() {
        StringBuilder lower = new StringBuilder();
        for (int i = lowerDirs.size() - 1; i >= 0; i--) {
            if (!lower.isEmpty()) {
                lower.append(':');
            }
            lower.append(lowerDirs.get(i));
        }
        return "lowerdir=" + lower + ",upperdir=" + upperDir + ",workdir=" + workDir;
    }
}
