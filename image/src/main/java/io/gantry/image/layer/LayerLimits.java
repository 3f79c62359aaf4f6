package io.gantry.image.layer;

/**
 * Caps that stop a hostile layer (a gzip bomb, millions of tiny entries) from filling the disk.
 *
 * @param maxUncompressedBytes upper bound of one layer's uncompressed tar stream
 * @param maxEntries           upper bound of one layer's tar entries
 */
public record LayerLimits(long maxUncompressedBytes, long maxEntries) {
    public static final LayerLimits DEFAULT = new LayerLimits(32L * 1024 * 1024 * 1024, 1_000_000);

    public LayerLimits {
        if (maxUncompressedBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("layer limits must be positive");
        }
    }
}
