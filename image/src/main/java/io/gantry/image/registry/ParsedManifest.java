package io.gantry.image.registry;

import java.util.List;

/** A manifest document as fetched from a registry: either an index of platforms or one image manifest. */
public sealed interface ParsedManifest {

    /** An OCI image index or Docker manifest list. */
    record ImageIndex(String mediaType, List<Descriptor> manifests) implements ParsedManifest {
        public ImageIndex {
            manifests = List.copyOf(manifests);
        }
    }

    /** One platform's image: its config blob and its layers, bottom first. */
    record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) implements ParsedManifest {
        public ImageManifest {
            layers = List.copyOf(layers);
        }
    }
}
