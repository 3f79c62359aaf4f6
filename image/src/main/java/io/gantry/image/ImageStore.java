package io.gantry.image;

import io.gantry.image.content.ContentStore;
import io.gantry.image.layer.LayerApplier;
import io.gantry.image.layer.LayerLimits;
import io.gantry.image.registry.Descriptor;
import io.gantry.image.registry.Manifests;
import io.gantry.image.registry.ParsedManifest;
import io.gantry.image.registry.ParsedManifest.ImageManifest;
import io.gantry.image.registry.RegistryClient;
import io.gantry.image.registry.RegistryUnreachableException;
import io.gantry.image.registry.ResolvedManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Local image storage under one root directory:
 * <pre>
 * ROOT/blobs/sha256/HEX   verified manifests, configs and compressed layers
 * ROOT/ingest/            downloads in progress
 * ROOT/layers/HEX/        unpacked layers in overlayfs form, named by diff_id
 * ROOT/index.json         registry/repo:tag -&gt; manifest digest of the last pull
 * </pre>
 * Each pull re-resolves the tag at the registry; blobs and layers already present are not fetched
 * again. When the registry is unreachable, an image pulled before under the same tag is used.
 */
public final class ImageStore implements ImageService {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

    /** Configs are small JSON documents; anything bigger is hostile. */
    public static final long MAX_CONFIG_BYTES = 8L * 1024 * 1024;

    private final RegistryClient client;
    private final LayerLimits limits;
    private final ContentStore content;
    private final LayerApplier applier;
    private final Path layersRoot;
    private final TagIndex index;

    /** Stores images under {@code root} (created if missing) with default layer limits. */
    public ImageStore(Path root, RegistryClient client) throws ImageException {
        this(root, client, LayerLimits.DEFAULT);
    }

    public ImageStore(Path root, RegistryClient client, LayerLimits limits) throws ImageException {
        this.client = client;
        this.limits = limits;
        this.content = new ContentStore(root);
        this.applier = new LayerApplier(limits);
        this.layersRoot = root.resolve("layers");
        try {
            Files.createDirectories(layersRoot);
        } catch (IOException e) {
            throw new ImageException("cannot create the image store under " + root + ": " + e.getMessage(), e);
        }
        this.index = new TagIndex(root.resolve("index.json"));
    }

    public ContentStore content() {
        return content;
    }

    @Override
    public PulledImage pull(ImageReference reference, PullListener listener) throws ImageException {
        String what = reference.canonical();
        ResolvedManifest resolved;
        try {
            resolved = client.resolve(reference);
        } catch (RegistryUnreachableException unreachable) {
            Optional<PulledImage> local = local(reference);
            if (local.isPresent()) {
                log.warn("{}; using the local copy of {} ({})", unreachable.getMessage(), what, local.get().manifestDigest());
                return local.get();
            }
            throw unreachable;
        }
        ImageManifest manifest = resolved.manifest();
        listener.resolved(resolved.digest(), manifest.layers().size());

        Descriptor configDescriptor = manifest.config();
        if (configDescriptor.size() > MAX_CONFIG_BYTES) {
            throw new ImageException("config of " + what + " is " + configDescriptor.size() + " bytes, more than the limit of " + MAX_CONFIG_BYTES);
        }
        for (Descriptor layer : manifest.layers()) {
            if (layer.size() > limits.maxUncompressedBytes()) {
                throw new ImageException("layer " + layer.digest() + " of " + what + " is " + layer.size()
                        + " bytes, more than the limit of " + limits.maxUncompressedBytes());
            }
        }
        Path configBlob = content.ingest(configDescriptor.digest(), configDescriptor.size(),
                () -> client.openBlob(reference, configDescriptor.digest()));
        ImageConfigs.Parsed config = ImageConfigs.parse(what, readBlob(configBlob));
        checkLayerCount(what, manifest, config);

        List<Path> layerDirs = new ArrayList<>();
        for (int i = 0; i < manifest.layers().size(); i++) {
            Descriptor layer = manifest.layers().get(i);
            String diffId = config.diffIds().get(i);
            Path dir = LayerApplier.layerDir(layersRoot, diffId);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Path blob = content.ingest(layer.digest(), layer.size(), () -> client.openBlob(reference, layer.digest()));
                dir = applier.unpack(blob, layer.mediaType(), diffId, layersRoot);
            }
            layerDirs.add(dir);
            listener.layerDone(layer.digest(), layer.size());
        }
        // The manifest and the tag are recorded last: their presence means the image is complete.
        content.write(resolved.digest(), resolved.bytes());
        if (reference.tag() != null && reference.digest() == null) {
            index.put(reference.canonical(), resolved.digest());
        }
        return new PulledImage(reference, resolved.digest(), config.config(), List.copyOf(layerDirs));
    }

    /** The image as last pulled under {@code reference}, if every part of it is still present locally. */
    public Optional<PulledImage> local(ImageReference reference) throws ImageException {
        Optional<String> digest = reference.digest() != null ? Optional.of(reference.digest()) : index.get(reference.canonical());
        if (digest.isEmpty() || !content.contains(digest.get())) {
            return Optional.empty();
        }
        String what = reference.canonical();
        ParsedManifest parsed = Manifests.parse(what, null, content.read(digest.get()));
        if (!(parsed instanceof ImageManifest manifest) || !content.contains(manifest.config().digest())) {
            return Optional.empty();
        }
        ImageConfigs.Parsed config = ImageConfigs.parse(what, content.read(manifest.config().digest()));
        checkLayerCount(what, manifest, config);
        List<Path> layerDirs = new ArrayList<>();
        for (String diffId : config.diffIds()) {
            Path dir = LayerApplier.layerDir(layersRoot, diffId);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            layerDirs.add(dir);
        }
        return Optional.of(new PulledImage(reference, digest.get(), config.config(), List.copyOf(layerDirs)));
    }

    private static void checkLayerCount(String what, ImageManifest manifest, ImageConfigs.Parsed config) throws ImageException {
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new ImageException("image " + what + " is inconsistent: " + manifest.layers().size()
                    + " layers but " + config.diffIds().size() + " diff_ids in its config");
        }
    }

    private static byte[] readBlob(Path blob) throws ImageException {
        try {
            return Files.readAllBytes(blob);
        } catch (IOException e) {
            throw new ImageException("cannot read blob " + blob + ": " + e.getMessage(), e);
        }
    }
}
