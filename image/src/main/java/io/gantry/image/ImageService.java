package io.gantry.image;

/** Pulls images into local storage; safe to call from several threads at once. */
public interface ImageService {

    /** Pulls (or finds already pulled) {@code reference}; returns once every layer is unpacked. */
    PulledImage pull(ImageReference reference, PullListener listener) throws ImageException;

    /**
     * As {@link #pull(ImageReference, PullListener)}, answering the registry's challenges with {@code credentials}
     * (e.g. what the user's {@code gantry login} stored, sent with the workload) before the service's own.
     */
    default PulledImage pull(ImageReference reference, PullListener listener,
                             io.gantry.image.auth.RegistryCredentials credentials) throws ImageException {
        return pull(reference, listener);
    }

    /**
     * Progress callbacks; every method does nothing by default. {@link LayerProgress.Downloading}
     * comes from download threads (possibly another pull's, when a download is shared), everything
     * else from the pulling thread: a listener must be thread-safe, quick, and must not throw.
     */
    interface PullListener {
        PullListener NONE = new PullListener() { };

        default void resolved(String manifestDigest, int layers) { }

        /** After {@link LayerProgress.Done} or {@link LayerProgress.AlreadyExists} of each layer, bottom first. */
        default void layerDone(String digest, long bytes) { }

        /** Per-layer state changes, enough for a docker-like progress display. */
        default void layer(LayerProgress progress) { }
    }

    /**
     * One layer's state during a pull, keyed by its compressed blob digest. The order for one layer
     * is Waiting, then either AlreadyExists, or Downloading* (skipped when the blob was stored
     * already), Verifying, Extracting, Done.
     */
    sealed interface LayerProgress {
        String digest();

        /** The first 12 hex characters of the digest, as Docker shows layers. */
        default String shortId() {
            String digest = digest();
            int colon = digest.indexOf(':');
            String hex = colon >= 0 ? digest.substring(colon + 1) : digest;
            return hex.substring(0, Math.min(12, hex.length()));
        }

        record Waiting(String digest, long size) implements LayerProgress {
        }

        /** @param total the compressed size from the manifest */
        record Downloading(String digest, long current, long total) implements LayerProgress {
        }

        record Verifying(String digest) implements LayerProgress {
        }

        record Extracting(String digest) implements LayerProgress {
        }

        record Done(String digest, long size) implements LayerProgress {
        }

        /** The layer was unpacked before (by an earlier pull or another image sharing it). */
        record AlreadyExists(String digest, long size) implements LayerProgress {
        }
    }
}
