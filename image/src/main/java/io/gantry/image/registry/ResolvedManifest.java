package io.gantry.image.registry;

import io.gantry.image.registry.ParsedManifest.ImageManifest;

/**
 * The platform manifest an image reference resolved to.
 *
 * @param digest the verified sha256 of {@code bytes}
 * @param bytes  the raw manifest, exactly as served
 */
public record ResolvedManifest(String digest, String mediaType, byte[] bytes, ImageManifest manifest) {
}
