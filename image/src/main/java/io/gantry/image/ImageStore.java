package io.gantry.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.image.ImageService.LayerProgress;
import io.gantry.image.auth.RegistryCredentials;
import io.gantry.image.content.ContentStore;
import io.gantry.image.content.Digests;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Local image storage under one root directory:
 * <pre>
 * ROOT/blobs/sha256/HEX   verified manifests, configs and compressed layers
 * ROOT/ingest/            downloads in progress
 * ROOT/layers/HEX/        unpacked layers in overlayfs form, named by diff_id
 * ROOT/index.json         references (repo:tag, repo@digest) and the images the store holds
 * </pre>
 * Each pull re-resolves the tag at the registry; blobs and layers already present are not fetched
 * again, and concurrent pulls share each download. When the registry is unreachable, an image
 * pulled before under the same tag is used.
 *
 * <p>Removal never leaves a state that breaks a later pull: the index is changed first (one atomic
 * write), then unreferenced blobs are deleted (atomic per file) and unreferenced layer directories
 * are renamed away before their contents are deleted, so a layer directory that exists is always
 * complete. Running pulls pin the blobs and layers they use (see {@link Pins}), so garbage
 * collection never takes anything from under them and never has to wait for them; the
 * management operations (tag, remove, prune, collect) run one at a time.
 */
public final class ImageStore implements ImageService {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,64}");
    private static final Pattern LAYER_DIR = Pattern.compile("[0-9a-f]{64}");
    private static final String TRASH_PREFIX = ".trash-";
    private static final String SCRATCH_PREFIX = ".unpack-";

    /** Layer downloads of one pull running at once (Docker's default is 3). */
    private static final int PARALLEL_DOWNLOADS = 3;

    /** Configs are small JSON documents; anything bigger is hostile. */
    public static final long MAX_CONFIG_BYTES = 8L * 1024 * 1024;

    private final RegistryClient client;
    private final LayerLimits limits;
    private final ContentStore content;
    private final LayerApplier applier;
    private final Path layersRoot;
    private final TagIndex index;
    private final Clock clock;
    private final Pins pins = new Pins();
    /** Serializes the operations that change references or delete content. */
    private final Object management = new Object();
    private final Map<String, Long> unpackedSizes = new ConcurrentHashMap<>();

    /** Stores images under {@code root} (created if missing) with default layer limits. */
    public ImageStore(Path root, RegistryClient client) throws ImageException {
        this(root, client, LayerLimits.DEFAULT);
    }

    public ImageStore(Path root, RegistryClient client, LayerLimits limits) throws ImageException {
        this(root, client, limits, Clock.systemUTC());
    }

    public ImageStore(Path root, RegistryClient client, LayerLimits limits, Clock clock) throws ImageException {
        this.client = client;
        this.limits = limits;
        this.clock = clock;
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
        return pull(reference, listener, client);
    }

    /**
     * Pulls with {@code credentials} tried before the client's own (e.g. credentials sent along
     * with this one request); tokens fetched with them are not shared with other pulls.
     */
    @Override
    public PulledImage pull(ImageReference reference, PullListener listener, RegistryCredentials credentials) throws ImageException {
        return pull(reference, listener, client.withCredentials(credentials.orElse(client.options().credentials())));
    }

    private PulledImage pull(ImageReference reference, PullListener listener, RegistryClient via) throws ImageException {
        try (Pins.Handle pinned = pins.begin()) {
            return pull(reference, listener, via, pinned);
        }
    }

    private PulledImage pull(ImageReference reference, PullListener listener, RegistryClient via, Pins.Handle pinned)
            throws ImageException {
        String what = reference.canonical();
        ResolvedManifest resolved;
        try {
            resolved = via.resolve(reference);
        } catch (RegistryUnreachableException unreachable) {
            Optional<PulledImage> local = local(reference);
            if (local.isPresent()) {
                log.warn("{}; using the local copy of {} ({})", unreachable.getMessage(), what, local.get().manifestDigest());
                return local.get();
            }
            throw unreachable;
        }
        ImageManifest manifest = resolved.manifest();
        List<String> used = new ArrayList<>(List.of(Pins.blob(resolved.digest()), Pins.blob(manifest.config().digest())));
        manifest.layers().forEach(layer -> used.add(Pins.blob(layer.digest())));
        pinned.pin(used);
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
                () -> via.openBlob(reference, configDescriptor.digest()));
        ImageConfigs.Parsed config = ImageConfigs.parse(what, readBlob(configBlob));
        checkLayerCount(what, manifest, config);
        pinned.pin(config.diffIds().stream().map(Pins::layer).toList());

        for (Descriptor layer : manifest.layers()) {
            listener.layer(new LayerProgress.Waiting(layer.digest(), layer.size()));
        }
        List<Path> layerDirs = new ArrayList<>();
        // Downloads run a few at a time, like Docker's; unpacking goes bottom-up on this thread.
        try (ExecutorService downloads = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore permits = new Semaphore(PARALLEL_DOWNLOADS);
            List<Future<Path>> blobs = new ArrayList<>();
            for (int i = 0; i < manifest.layers().size(); i++) {
                Descriptor layer = manifest.layers().get(i);
                boolean unpacked = Files.isDirectory(LayerApplier.layerDir(layersRoot, config.diffIds().get(i)), LinkOption.NOFOLLOW_LINKS);
                blobs.add(unpacked ? null : downloads.submit(() -> {
                    permits.acquire();
                    try {
                        return content.ingest(layer.digest(), layer.size(), () -> via.openBlob(reference, layer.digest()),
                                bytes -> listener.layer(new LayerProgress.Downloading(layer.digest(), bytes, layer.size())));
                    } finally {
                        permits.release();
                    }
                }));
            }
            try {
                for (int i = 0; i < manifest.layers().size(); i++) {
                    Descriptor layer = manifest.layers().get(i);
                    String diffId = config.diffIds().get(i);
                    Path dir;
                    if (blobs.get(i) == null) {
                        dir = LayerApplier.layerDir(layersRoot, diffId);
                        listener.layer(new LayerProgress.AlreadyExists(layer.digest(), layer.size()));
                    } else {
                        Path blob = await(blobs.get(i));
                        listener.layer(new LayerProgress.Verifying(layer.digest()));
                        listener.layer(new LayerProgress.Extracting(layer.digest()));
                        dir = applier.unpack(blob, layer.mediaType(), diffId, layersRoot);
                        listener.layer(new LayerProgress.Done(layer.digest(), layer.size()));
                    }
                    layerDirs.add(dir);
                    listener.layerDone(layer.digest(), layer.size());
                }
            } catch (ImageException | RuntimeException | Error e) {
                blobs.stream().filter(java.util.Objects::nonNull).forEach(download -> download.cancel(true));
                throw e;
            }
        }
        // The manifest and the reference are recorded last: their presence means the image is complete.
        content.write(resolved.digest(), resolved.bytes());
        index.put(referenceKey(reference), resolved.digest(), clock.instant().toString());
        return new PulledImage(reference, resolved.digest(), config.config(), List.copyOf(layerDirs));
    }

    /** Where a pull of {@code reference} is recorded: its tag, or {@code repo@digest} when pulled by digest. */
    private static String referenceKey(ImageReference reference) {
        if (reference.digest() != null) {
            return reference.registry() + "/" + reference.repository() + "@" + reference.digest();
        }
        return reference.canonical();
    }

    /** The image as last pulled under {@code reference}, if every part of it is still present locally. */
    public Optional<PulledImage> local(ImageReference reference) throws ImageException {
        Optional<String> digest = reference.digest() != null ? Optional.of(reference.digest()) : index.get(reference.canonical());
        if (digest.isEmpty()) {
            return Optional.empty();
        }
        return complete(reference, digest.get());
    }

    private Optional<PulledImage> complete(ImageReference reference, String manifestDigest) throws ImageException {
        if (!content.contains(manifestDigest)) {
            return Optional.empty();
        }
        String what = reference == null ? manifestDigest : reference.canonical();
        ParsedManifest parsed = Manifests.parse(what, null, content.read(manifestDigest));
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
        return Optional.of(new PulledImage(reference, manifestDigest, config.config(), List.copyOf(layerDirs)));
    }

    // ---------------------------------------------------------------- images, inspect, tag

    /** Every stored image, newest first. */
    public List<ImageSummary> images() throws ImageException {
        synchronized (management) {
            TagIndex.Snapshot snapshot = index.snapshot();
            List<ImageSummary> out = new ArrayList<>();
            for (String digest : snapshot.images().keySet()) {
                stored(digest).ifPresent(image -> out.add(summary(image, snapshot)));
            }
            out.sort(Comparator.comparing((ImageSummary s) -> s.created() == null ? Instant.EPOCH : s.created()).reversed()
                    .thenComparing(ImageSummary::manifestDigest));
            return out;
        }
    }

    /**
     * The stored image named by {@code nameOrId}: a reference ({@code busybox}, {@code reg/repo:tag},
     * {@code repo@sha256:...}; unqualified names use {@code defaultRegistry}), or an image id or a
     * unique prefix of one (at least 4 hex characters, {@code sha256:} optional).
     */
    public Optional<ImageSummary> find(String nameOrId, String defaultRegistry) throws ImageException {
        synchronized (management) {
            TagIndex.Snapshot snapshot = index.snapshot();
            return resolveName(nameOrId, defaultRegistry, snapshot).map(named -> summary(named.images().getFirst(), snapshot));
        }
    }

    /** Config, layers and references of one image; a one-line {@code no such image} error when absent. */
    public ImageDetails inspect(String nameOrId, String defaultRegistry) throws ImageException {
        synchronized (management) {
            TagIndex.Snapshot snapshot = index.snapshot();
            Stored image = resolveName(nameOrId, defaultRegistry, snapshot)
                    .orElseThrow(() -> noSuchImage(nameOrId)).images().getFirst();
            List<ImageDetails.Layer> layers = new ArrayList<>();
            long contentSize = image.manifest().config().size();
            for (int i = 0; i < image.manifest().layers().size(); i++) {
                Descriptor layer = image.manifest().layers().get(i);
                String diffId = image.config().diffIds().get(i);
                layers.add(new ImageDetails.Layer(layer.digest(), diffId, layer.mediaType(), layer.size(), unpackedSize(diffId)));
                contentSize += layer.size();
            }
            return new ImageDetails(summary(image, snapshot), image.config().os(), image.config().architecture(),
                    image.manifest().mediaType(), image.config().config(),
                    new String(image.configBytes(), StandardCharsets.UTF_8), layers, contentSize);
        }
    }

    /** {@code tag SOURCE TARGET}: points the tag {@code target} at the image {@code source} names. */
    public ImageSummary tag(String source, String target, String defaultRegistry) throws ImageException {
        ImageReference targetRef = ImageReference.parse(target, defaultRegistry);
        if (targetRef.digest() != null) {
            throw new ImageException("invalid tag \"" + target + "\": a tag cannot contain a digest");
        }
        synchronized (management) {
            TagIndex.Snapshot before = index.snapshot();
            Stored image = resolveName(source, defaultRegistry, before).orElseThrow(() -> noSuchImage(source)).images().getFirst();
            index.put(targetRef.canonical(), image.manifestDigest(), clock.instant().toString());
            return summary(image, index.snapshot());
        }
    }

    // ---------------------------------------------------------------- rmi, prune, gc

    /**
     * {@code rmi NAME|ID}. A name removes that reference; the image is deleted once no reference
     * is left. An id removes every reference of the image (refused without {@code force} when
     * they are in several repositories). An image a container uses is refused with
     * {@code image is in use by container X}; with {@code force} its references go but the image
     * stays (dangling) until no container uses it.
     */
    public ImageRemoval remove(String nameOrId, String defaultRegistry, boolean force, ImageUsage usage) throws ImageException {
        synchronized (management) {
            TagIndex.Snapshot snapshot = index.snapshot();
            Named named = resolveName(nameOrId, defaultRegistry, snapshot).orElseThrow(() -> noSuchImage(nameOrId));
            List<String> untag = new ArrayList<>();
            List<String> deleteDigests = new ArrayList<>();
            List<String> deletedIds = new ArrayList<>();
            if (named.reference().isPresent()) {
                Stored image = named.images().getFirst();
                String key = named.reference().get();
                boolean last = referencesOf(image.manifestDigest(), snapshot).equals(Set.of(key));
                Optional<String> user = last ? usage.containerUsing(summary(image, snapshot)) : Optional.empty();
                if (user.isPresent() && !force) {
                    throw inUse(nameOrId, user.get());
                }
                untag.add(key);
                if (last && user.isEmpty()) {
                    deleteDigests.add(image.manifestDigest());
                    deletedIds.add(image.id());
                }
            } else {
                Set<String> repositories = new TreeSet<>();
                for (Stored image : named.images()) {
                    referencesOf(image.manifestDigest(), snapshot).forEach(ref -> repositories.add(repositoryOf(ref)));
                }
                if (repositories.size() > 1 && !force) {
                    throw new ImageException("cannot remove " + nameOrId + ": image is referenced in multiple repositories ("
                            + String.join(", ", repositories) + "); remove them by name or use --force");
                }
                for (Stored image : named.images()) {
                    Optional<String> user = usage.containerUsing(summary(image, snapshot));
                    if (user.isPresent() && !force) {
                        throw inUse(nameOrId, user.get());
                    }
                    untag.addAll(referencesOf(image.manifestDigest(), snapshot));
                    if (user.isEmpty()) {
                        deleteDigests.add(image.manifestDigest());
                        if (!deletedIds.contains(image.id())) {
                            deletedIds.add(image.id());
                        }
                    }
                }
            }
            index.remove(untag, deleteDigests);
            long reclaimed = deleteDigests.isEmpty() ? 0 : collectGarbageLocked().reclaimedBytes();
            return new ImageRemoval(untag.stream().sorted().toList(), deletedIds, reclaimed);
        }
    }

    /**
     * {@code image prune}: deletes dangling images, or with {@code all} every image no container
     * uses (removing their references), then collects garbage.
     */
    public ImageRemoval prune(boolean all, ImageUsage usage) throws ImageException {
        synchronized (management) {
            TagIndex.Snapshot snapshot = index.snapshot();
            List<String> untag = new ArrayList<>();
            List<String> deleteDigests = new ArrayList<>();
            Set<String> deletedIds = new LinkedHashSet<>();
            for (String digest : snapshot.images().keySet()) {
                Optional<Stored> stored = stored(digest);
                if (stored.isEmpty()) {
                    deleteDigests.add(digest); // a record whose manifest is gone cannot be used any more
                    continue;
                }
                ImageSummary summary = summary(stored.get(), snapshot);
                if ((!all && !summary.dangling()) || usage.containerUsing(summary).isPresent()) {
                    continue;
                }
                untag.addAll(referencesOf(digest, snapshot));
                deleteDigests.add(digest);
                deletedIds.add(summary.id());
            }
            index.remove(untag, deleteDigests);
            long reclaimed = collectGarbageLocked().reclaimedBytes();
            return new ImageRemoval(untag.stream().sorted().toList(), List.copyOf(deletedIds), reclaimed);
        }
    }

    /**
     * Deletes blobs and unpacked layers no stored image references, and leftovers of interrupted
     * pulls or deletions. Images are never deleted here: in-use images keep their records.
     */
    public GarbageCollection collectGarbage() throws ImageException {
        synchronized (management) {
            return collectGarbageLocked();
        }
    }

    private GarbageCollection collectGarbageLocked() throws ImageException {
        Set<String> blobs = new HashSet<>();
        Set<String> layerHexes = new HashSet<>();
        for (String digest : index.snapshot().images().keySet()) {
            blobs.add(digest);
            Optional<Stored> image = stored(digest);
            if (image.isEmpty()) {
                continue;
            }
            blobs.add(image.get().manifest().config().digest());
            image.get().manifest().layers().forEach(layer -> blobs.add(layer.digest()));
            image.get().config().diffIds().forEach(diffId -> layerHexes.add(Digests.hex(diffId)));
        }
        long[] reclaimed = {0};
        int blobsRemoved = 0;
        for (String digest : content.digests()) {
            if (blobs.contains(digest)) {
                continue;
            }
            long size = content.size(digest);
            // A running pull may have pinned it since the index was read: then it stays.
            if (pins.unlessPinned(Pins.blob(digest), () -> content.delete(digest))) {
                reclaimed[0] += size;
                blobsRemoved++;
                parsedManifests.remove(digest);
            }
        }
        reclaimed[0] += content.cleanIngest();
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layersRoot)) {
            dirs.forEach(children::add);
        } catch (IOException e) {
            throw new ImageException("cannot list the layers in " + layersRoot + ": " + e.getMessage(), e);
        }
        int layersRemoved = 0;
        List<Path> trash = new ArrayList<>();
        for (Path child : children) {
            String name = child.getFileName().toString();
            if (name.startsWith(TRASH_PREFIX)) {
                reclaimed[0] += diskUsage(child);
                trash.add(child); // left by a crash in the middle of a deletion
            } else if (name.startsWith(SCRATCH_PREFIX)) {
                // Left by a crash in the middle of an unpack; listed before this check, so a pull
                // starting now has a scratch directory of its own that is not in the list.
                long size = diskUsage(child);
                if (pins.unlessPulling(() -> trash.add(toTrash(child, name)))) {
                    reclaimed[0] += size;
                }
            } else if (LAYER_DIR.matcher(name).matches() && !layerHexes.contains(name)) {
                long size = diskUsage(child);
                // Renamed first: a half-deleted directory must never look like a complete layer.
                if (pins.unlessPinned(Pins.layer("sha256:" + name), () -> trash.add(toTrash(child, name)))) {
                    unpackedSizes.remove("sha256:" + name);
                    reclaimed[0] += size;
                    layersRemoved++;
                }
            }
        }
        for (Path dir : trash) {
            if (dir != null) {
                LayerApplier.deleteTree(dir);
            }
        }
        if (blobsRemoved + layersRemoved > 0) {
            log.info("garbage collection removed {} blobs and {} layers ({} bytes)", blobsRemoved, layersRemoved, reclaimed[0]);
        }
        return new GarbageCollection(blobsRemoved, layersRemoved, reclaimed[0]);
    }

    private Path toTrash(Path dir, String name) throws ImageException {
        Path trash = layersRoot.resolve(TRASH_PREFIX + name + "-" + Long.toHexString(System.nanoTime()));
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
            return trash;
        } catch (java.nio.file.NoSuchFileException gone) {
            return null; // finished (renamed into place or cleaned) in the meantime: nothing to delete
        } catch (IOException e) {
            throw new ImageException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A stored image's parsed manifest and config; both are immutable, so they are cached. */
    private record Stored(String manifestDigest, ImageManifest manifest, ImageConfigs.Parsed config, byte[] configBytes) {
        String id() {
            return manifest.config().digest();
        }
    }

    /** What a name resolved to: one image and its reference, or (by id) every image with that id. */
    private record Named(List<Stored> images, Optional<String> reference) {
    }

    private final Map<String, Stored> parsedManifests = new ConcurrentHashMap<>();

    private Optional<Stored> stored(String manifestDigest) throws ImageException {
        Stored cached = parsedManifests.get(manifestDigest);
        if (cached != null) {
            return Optional.of(cached);
        }
        if (!content.contains(manifestDigest)) {
            return Optional.empty();
        }
        if (!(Manifests.parse(manifestDigest, null, content.read(manifestDigest)) instanceof ImageManifest manifest)
                || !content.contains(manifest.config().digest())) {
            return Optional.empty();
        }
        byte[] configBytes = content.read(manifest.config().digest());
        ImageConfigs.Parsed config = ImageConfigs.parse(manifestDigest, configBytes);
        checkLayerCount(manifestDigest, manifest, config);
        Stored stored = new Stored(manifestDigest, manifest, config, configBytes);
        parsedManifests.put(manifestDigest, stored);
        return Optional.of(stored);
    }

    private Optional<Named> resolveName(String text, String defaultRegistry, TagIndex.Snapshot snapshot) throws ImageException {
        if (text == null || text.isBlank()) {
            throw new ImageException("no image name or id given");
        }
        Optional<ImageReference> reference = parseQuietly(text, defaultRegistry);
        if (reference.isPresent()) {
            String key = referenceKey(reference.get());
            String digest = snapshot.tags().get(key);
            if (digest != null) {
                Optional<Stored> image = stored(digest);
                if (image.isPresent()) {
                    return Optional.of(new Named(List.of(image.get()), Optional.of(key)));
                }
            }
            if (reference.get().digest() != null && snapshot.images().containsKey(reference.get().digest())) {
                Optional<Stored> image = stored(reference.get().digest());
                if (image.isPresent()) {
                    return Optional.of(new Named(List.of(image.get()), Optional.empty()));
                }
            }
        }
        String hex = text.startsWith("sha256:") ? text.substring(7) : text;
        if (!HEX.matcher(hex).matches() || (hex.length() < 4 && !text.startsWith("sha256:"))) {
            return Optional.empty();
        }
        List<Stored> matches = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        for (String digest : snapshot.images().keySet()) {
            Optional<Stored> image = stored(digest);
            if (image.isPresent() && (Digests.hex(image.get().id()).startsWith(hex) || Digests.hex(digest).equals(hex))) {
                matches.add(image.get());
                ids.add(image.get().id());
            }
        }
        if (ids.size() > 1) {
            throw new ImageException("image id prefix " + text + " is ambiguous: it matches " + ids.size() + " images");
        }
        return matches.isEmpty() ? Optional.empty() : Optional.of(new Named(matches, Optional.empty()));
    }

    private static Optional<ImageReference> parseQuietly(String text, String defaultRegistry) {
        try {
            return Optional.of(ImageReference.parse(text, defaultRegistry));
        } catch (ImageException notAReference) {
            return Optional.empty();
        }
    }

    private static Set<String> referencesOf(String manifestDigest, TagIndex.Snapshot snapshot) {
        Set<String> out = new TreeSet<>();
        snapshot.tags().forEach((reference, digest) -> {
            if (digest.equals(manifestDigest)) {
                out.add(reference);
            }
        });
        return out;
    }

    /** {@code registry/repo} of {@code registry/repo:tag} or {@code registry/repo@digest}. */
    private static String repositoryOf(String reference) {
        int at = reference.indexOf('@');
        if (at >= 0) {
            return reference.substring(0, at);
        }
        int colon = reference.lastIndexOf(':');
        return colon > reference.lastIndexOf('/') ? reference.substring(0, colon) : reference;
    }

    private ImageSummary summary(Stored image, TagIndex.Snapshot snapshot) {
        Set<String> references = referencesOf(image.manifestDigest(), snapshot);
        List<String> tags = new ArrayList<>();
        Set<String> digests = new TreeSet<>();
        for (String reference : references) {
            if (reference.contains("@")) {
                digests.add(reference);
            } else {
                tags.add(reference);
                digests.add(repositoryOf(reference) + "@" + image.manifestDigest());
            }
        }
        long size = 0;
        for (String diffId : image.config().diffIds()) {
            size += unpackedSize(diffId);
        }
        return new ImageSummary(image.id(), image.manifestDigest(), tags, List.copyOf(digests),
                created(image.configBytes()), size, references.isEmpty());
    }

    private static Instant created(byte[] configBytes) {
        try {
            JsonNode node = JSON.readTree(configBytes).get("created");
            return node == null || !node.isTextual() ? null : Instant.parse(node.asText());
        } catch (IOException | DateTimeParseException e) {
            return null;
        }
    }

    /** Bytes of an unpacked layer; layers never change once in place, so this is cached. */
    private long unpackedSize(String diffId) {
        Path dir = LayerApplier.layerDir(layersRoot, diffId);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        return unpackedSizes.computeIfAbsent(diffId, key -> diskUsage(dir));
    }

    /** Apparent size of the regular files under {@code dir}, not following symlinks. */
    private static long diskUsage(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(path -> {
                try {
                    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return attributes.isRegularFile() ? attributes.size() : 0;
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static ImageException noSuchImage(String nameOrId) {
        return new ImageException("no such image: " + nameOrId);
    }

    private static ImageException inUse(String nameOrId, String container) {
        return new ImageException("cannot remove " + nameOrId + ": image is in use by container " + container);
    }

    private static void checkLayerCount(String what, ImageManifest manifest, ImageConfigs.Parsed config) throws ImageException {
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new ImageException("image " + what + " is inconsistent: " + manifest.layers().size()
                    + " layers but " + config.diffIds().size() + " diff_ids in its config");
        }
    }

    private static Path await(Future<Path> download) throws ImageException {
        try {
            return download.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while downloading a layer", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImageException image) {
                throw new ImageException(image.getMessage(), image);
            }
            if (e.getCause() instanceof InterruptedException) {
                throw new ImageException("interrupted while downloading a layer", e.getCause());
            }
            throw new ImageException("downloading a layer failed: " + e.getCause(), e.getCause());
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
