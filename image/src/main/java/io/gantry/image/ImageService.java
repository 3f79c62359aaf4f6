package io.gantry.image;

/** Pulls images into local storage; safe to call from several threads at once. */
public interface ImageService {

    /** Pulls (or finds already pulled) {@code reference}; returns once every layer is unpacked. */
    PulledImage pull(ImageReference reference, PullListener listener) throws ImageException;

    /** Progress callbacks; the default does nothing. */
    interface PullListener {
        PullListener NONE = new PullListener() { };

        default void resolved(String manifestDigest, int layers) { }

        default void layerDone(String digest, long bytes) { }
    }
}
