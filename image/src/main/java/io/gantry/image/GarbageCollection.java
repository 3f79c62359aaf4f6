package io.gantry.image;

/** What a garbage collection of the store removed. */
public record GarbageCollection(int blobs, int layers, long reclaimedBytes) {
}
