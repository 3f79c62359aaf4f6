package io.gantry.image;

import java.util.List;

/**
 * What {@code gantry image inspect} shows about one stored image.
 *
 * @param configJson  the image config exactly as stored (verified against {@code summary.id()})
 * @param layers      bottom layer first
 * @param contentSize bytes of the manifest's config and compressed layers
 */
public record ImageDetails(ImageSummary summary, String os, String architecture, String manifestMediaType,
                           ImageConfig config, String configJson, List<Layer> layers, long contentSize) {
    public ImageDetails {
        layers = List.copyOf(layers);
    }

    /** One layer: its compressed blob, its uncompressed diff_id and its unpacked size. */
    public record Layer(String digest, String diffId, String mediaType, long compressedSize, long unpackedSize) {
    }
}
