package io.gantry.image;

import java.time.Instant;
import java.util.List;

/**
 * One stored image, as {@code gantry images} lists it.
 *
 * @param id             the image id: the digest of its config
 * @param manifestDigest the digest of the platform manifest it was pulled as
 * @param repoTags       {@code registry/repo:tag} references pointing at it
 * @param repoDigests    {@code registry/repo@sha256:...} of the manifest, for every repository it is in
 * @param created        the config's {@code created} time, null when the image does not say
 * @param size           bytes of its unpacked layers on disk (shared layers count in every image)
 * @param dangling       no reference (tag or digest) points at it any more
 */
public record ImageSummary(String id, String manifestDigest, List<String> repoTags, List<String> repoDigests,
                           Instant created, long size, boolean dangling) {
    public ImageSummary {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
    }

    /** The first 12 hex characters of the id, as Docker shows it. */
    public String shortId() {
        return id.substring(id.indexOf(':') + 1, Math.min(id.length(), id.indexOf(':') + 13));
    }
}
