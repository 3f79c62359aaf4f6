package io.gantry.image.build;

import io.gantry.image.content.Digests;
import io.gantry.image.registry.Descriptor;

/** A blob held in memory: a config, a layer or any bytes a test wants to push. */
public record Blob(String mediaType, byte[] bytes) {
    public String digest() {
        return Digests.sha256(bytes);
    }

    public long size() {
        return bytes.length;
    }

    public Descriptor descriptor() {
        return new Descriptor(mediaType, digest(), bytes.length);
    }
}
