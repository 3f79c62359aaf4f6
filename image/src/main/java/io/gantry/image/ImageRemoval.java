package io.gantry.image;

import java.util.List;

/**
 * What {@code rmi} or {@code image prune} did.
 *
 * @param untagged       references removed
 * @param deleted        ids of the images deleted
 * @param reclaimedBytes bytes of blobs and unpacked layers freed by the garbage collection that followed
 */
public record ImageRemoval(List<String> untagged, List<String> deleted, long reclaimedBytes) {
    public ImageRemoval {
        untagged = List.copyOf(untagged);
        deleted = List.copyOf(deleted);
    }
}
