package io.gantry.image;

/**
 * A parsed image reference such as {@code busybox}, {@code busybox:1.36},
 * {@code 127.0.0.1:5000/team/app@sha256:...}. Unqualified names resolve to the
 * cluster's default registry (not Docker Hub: this cluster has its own).
 *
 * @param registry   host[:port] of the registry, never empty after {@link #parse}
 * @param repository repository path, e.g. {@code busybox} or {@code team/app}
 * @param tag        tag, {@code latest} when neither tag nor digest was given; may be null when a digest is given
 * @param digest     {@code sha256:<64 hex>} or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    /** Parses {@code text}; throws {@link ImageException} with a one-line message when it is not a valid reference. */
    public static ImageReference parse(String text, String defaultRegistry) throws ImageException {
        throw new UnsupportedOperationException("implemented by the image module");
    }

    /** The reference in its full form, e.g. {@code 127.0.0.1:5000/busybox:latest}. */
    public String canonical() {
        throw new UnsupportedOperationException("implemented by the image module");
    }
}
