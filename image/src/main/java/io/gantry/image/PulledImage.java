package io.gantry.image;

import java.nio.file.Path;
import java.util.List;

/**
 * An image whose blobs are verified in the content store and whose layers are unpacked.
 *
 * @param manifestDigest digest of the platform manifest that was used
 * @param layerDirs      unpacked layer directories in overlayfs form (whiteouts as 0/0
 *                       character devices, opaque dirs with trusted.overlay.opaque=y),
 *                       bottom layer first
 */
public record PulledImage(ImageReference reference, String manifestDigest, ImageConfig config, List<Path> layerDirs) {
}
