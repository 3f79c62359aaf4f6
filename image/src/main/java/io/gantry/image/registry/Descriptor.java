package io.gantry.image.registry;

/**
 * An OCI content descriptor: what a blob or manifest is, its digest and its size.
 *
 * @param os           platform os, only set for entries of an index
 * @param architecture platform architecture, only set for entries of an index
 */
public record Descriptor(String mediaType, String digest, long size, String os, String architecture) {
    public Descriptor(String mediaType, String digest, long size) {
        this(mediaType, digest, size, null, null);
    }

    public String platform() {
        return os + "/" + architecture;
    }
}
