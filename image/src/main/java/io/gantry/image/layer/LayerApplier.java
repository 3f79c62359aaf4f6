package io.gantry.image.layer;

import io.gantry.image.fs.Libc;
import io.gantry.image.fs.FileTrees;
import io.gantry.image.ImageException;
import io.gantry.image.content.Digests;
import io.gantry.image.registry.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import io.airlift.compress.v3.zstd.ZstdInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unpacks a layer blob once into {@code LAYERS/<diff_id hex>/} in overlayfs form: a whiteout
 * {@code .wh.NAME} becomes a 0/0 character device NAME, an opaque marker becomes
 * {@code trusted.overlay.opaque=y} on its directory. Extraction happens in a scratch directory
 * that is renamed into place only after the uncompressed stream matched its diff_id, so a layer
 * directory that exists is complete and verified.
 *
 * <p>Every path is resolved component by component inside the layer root without following
 * symlinks; anything that would escape (absolute or {@code ..} names, writes through symlinks,
 * hard links to outside) fails the whole layer. Because each layer is unpacked into its own
 * fresh directory, the only symlinks that could be followed are ones planted by the layer itself.
 */
public final class LayerApplier {
    private static final Logger log = LoggerFactory.getLogger(LayerApplier.class);
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String META_PREFIX = ".wh..wh.";
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final int DEFAULT_DIR_MODE = 0755;

    private final LayerLimits limits;
    private final boolean privileged;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public LayerApplier(LayerLimits limits) {
        this.limits = limits;
        this.privileged = runningAsRoot();
    }

    /** The directory a layer with {@code diffId} is (or will be) unpacked into. */
    public static Path layerDir(Path layersRoot, String diffId) {
        return layersRoot.resolve(Digests.hex(diffId));
    }

    /**
     * Unpacks {@code blob} (of {@code mediaType}) into {@code layersRoot/<diffId hex>} unless it
     * is already there; returns that directory. On failure nothing is left behind.
     */
    public Path unpack(Path blob, String mediaType, String diffId, Path layersRoot) throws ImageException {
        Digests.require(diffId, "diff_id");
        Path target = layerDir(layersRoot, diffId);
        synchronized (locks.computeIfAbsent(diffId, key -> new Object())) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return target;
            }
            Path scratch = null;
            try {
                Files.createDirectories(layersRoot);
                scratch = Files.createTempDirectory(layersRoot, ".unpack-" + Digests.hex(diffId).substring(0, 12) + "-");
                extract(blob, mediaType, diffId, scratch);
                try {
                    Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    // Another process won the race with identical verified content.
                    deleteTree(scratch);
                }
                scratch = null;
                return target;
            } catch (java.nio.file.InvalidPathException e) {
                throw new ImageException("layer " + diffId + " has an entry with an invalid path: " + printable(e.getInput()), e);
            } catch (io.airlift.compress.v3.MalformedInputException e) {
                throw new ImageException("layer " + diffId + " is not valid zstd: " + oneLine(e), e);
            } catch (RuntimeException e) {
                // commons-compress reports some malformed headers as unchecked exceptions.
                throw new ImageException("layer " + diffId + " is not a valid tar archive: " + oneLine(e), e);
            } catch (IOException e) {
                if (e.getCause() instanceof ImageException limit) {
                    throw new ImageException(limit.getMessage(), e);
                }
                throw new ImageException("unpacking layer " + diffId + " failed: " + oneLine(e), e);
            } finally {
                if (scratch != null) {
                    deleteTree(scratch);
                }
            }
        }
    }

    private void extract(Path blob, String mediaType, String diffId, Path root) throws ImageException, IOException {
        MessageDigest sha256 = Digests.newSha256();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob), 64 * 1024);
             InputStream plain = decompress(raw, mediaType, diffId);
             HashingLimitedStream hashed = new HashingLimitedStream(plain, sha256, limits.maxUncompressedBytes(), diffId);
             TarArchiveInputStream tar = new TarArchiveInputStream(hashed)) {
            Extraction extraction = new Extraction(root, diffId);
            long entries = 0;
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, diffId)) != null) {
                if (++entries > limits.maxEntries()) {
                    throw new ImageException("layer " + diffId + " has more than " + limits.maxEntries() + " entries");
                }
                extraction.apply(entry, tar);
            }
            // diff_id covers the whole uncompressed stream, including the end-of-archive padding.
            hashed.transferTo(OutputStream.nullOutputStream());
            String actual = Digests.format(sha256.digest());
            if (!actual.equals(diffId)) {
                throw new ImageException("layer " + diffId + " failed verification: uncompressed content has digest " + actual);
            }
            extraction.finish();
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, String diffId) throws ImageException {
        try {
            return tar.getNextEntry();
        } catch (io.airlift.compress.v3.MalformedInputException e) {
            throw new ImageException("layer " + diffId + " is not valid zstd: " + oneLine(e), e);
        } catch (IOException | IllegalArgumentException e) {
            if (e.getCause() instanceof ImageException image) {
                throw image;
            }
            throw new ImageException("layer " + diffId + " is not a valid tar archive: " + oneLine(e), e);
        }
    }

    private static InputStream decompress(InputStream raw, String mediaType, String diffId) throws ImageException, IOException {
        if (MediaTypes.GZIP_LAYERS.contains(mediaType)) {
            try {
                return GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get();
            } catch (IOException e) {
                throw new ImageException("layer " + diffId + " is not valid gzip: " + oneLine(e), e);
            }
        }
        if (MediaTypes.TAR_LAYERS.contains(mediaType)) {
            return raw;
        }
        if (MediaTypes.ZSTD_LAYERS.contains(mediaType)) {
            // Pure Java decoder (no native library to extract and load). The uncompressed size
            // cap and the diff_id check apply exactly as for gzip.
            return new ZstdInputStream(raw);
        }
        throw new ImageException("layer " + diffId + " has unsupported media type " + mediaType);
    }

    /** The state of one layer's extraction: deferred directory metadata and the layer root. */
    private final class Extraction {
        private final Path root;
        private final String diffId;
        // Keyed by path: a later entry for the same directory wins, as in tar semantics.
        private final Map<Path, DeferredDir> dirs = new java.util.LinkedHashMap<>();

        private record DeferredDir(Path path, int mode, FileTime mtime) {
        }

        Extraction(Path root, String diffId) {
            this.root = root;
            this.diffId = diffId;
        }

        void apply(TarArchiveEntry entry, InputStream content) throws ImageException, IOException {
            String name = entry.getName();
            List<String> parts = clean(name, name);
            if (parts.isEmpty()) {
                if (entry.isDirectory()) {
                    setOwner(root, entry);
                    dirs.put(root, new DeferredDir(root, entry.getMode() & 07777, entry.getLastModifiedTime()));
                    return;
                }
                throw unsafe(name, "names the layer root but is not a directory");
            }
            String base = parts.getLast();
            List<String> parentParts = parts.subList(0, parts.size() - 1);
            if (base.startsWith(WHITEOUT)) {
                whiteout(entry, name, base, parentParts);
                return;
            }
            Path parent = resolveParent(name, parentParts, true);
            Path target = parent.resolve(base);
            if (entry.isDirectory()) {
                BasicFileAttributes existing = attributes(target);
                boolean replacesWhiteout = existing != null && existing.isOther();
                if (existing != null && !existing.isDirectory()) {
                    Files.delete(target);
                    existing = null;
                }
                if (existing == null) {
                    Files.createDirectory(target);
                }
                if (replacesWhiteout) {
                    // ".wh.x" then "x/" in one layer: x was deleted below and recreated here.
                    Libc.lsetxattr(target, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
                }
                setOwner(target, entry);
                dirs.put(target, new DeferredDir(target, entry.getMode() & 07777, entry.getLastModifiedTime()));
            } else if (entry.isSymbolicLink()) {
                replaceWithNonDirectory(target);
                Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                setOwner(target, entry);
                setMtime(target, entry);
            } else if (entry.isLink()) {
                hardLink(entry, name, target);
            } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
                log.debug("layer {}: skipping device node {}", diffId, name);
            } else if (entry.isFIFO()) {
                replaceWithNonDirectory(target);
                Libc.mknod(target, Libc.S_IFIFO | (entry.getMode() & 0777), 0);
                setOwner(target, entry);
                setMode(target, entry.getMode());
                setMtime(target, entry);
            } else if (isRegularFile(entry)) {
                replaceWithNonDirectory(target);
                try (OutputStream out = Files.newOutputStream(target,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    content.transferTo(out);
                }
                setOwner(target, entry);
                setMode(target, entry.getMode());
                setMtime(target, entry);
            } else {
                log.debug("layer {}: skipping entry {} of unsupported type {}", diffId, name, (char) entry.getLinkFlag());
            }
        }

        private void whiteout(TarArchiveEntry entry, String name, String base, List<String> parentParts)
                throws ImageException, IOException {
            if (base.equals(OPAQUE)) {
                Path dir = resolveParent(name, parentParts, true);
                if (dir.equals(root)) {
                    log.debug("layer {}: ignoring opaque marker at the layer root", diffId);
                    return;
                }
                Libc.lsetxattr(dir, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (base.startsWith(META_PREFIX)) {
                log.debug("layer {}: skipping aufs metadata {}", diffId, name);
                return;
            }
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                throw unsafe(name, "is an invalid whiteout");
            }
            Path parent = resolveParent(name, parentParts, true);
            Path target = parent.resolve(hidden);
            if (attributes(target) != null) {
                // Whiteouts only hide lower layers, never what this layer itself added.
                return;
            }
            Libc.mknod(target, Libc.S_IFCHR, 0);
            setOwner(target, entry);
        }

        private void hardLink(TarArchiveEntry entry, String name, Path target) throws ImageException, IOException {
            List<String> linkParts = clean(entry.getLinkName(), name);
            if (linkParts.isEmpty()) {
                throw unsafe(name, "is a hard link to the layer root");
            }
            Path linkParent = resolveParent(name, linkParts.subList(0, linkParts.size() - 1), false);
            Path source = linkParent.resolve(linkParts.getLast());
            BasicFileAttributes sourceAttributes = attributes(source);
            if (sourceAttributes == null) {
                throw unsafe(name, "is a hard link to \"" + printable(entry.getLinkName()) + "\", which is not in this layer");
            }
            if (sourceAttributes.isDirectory()) {
                throw unsafe(name, "is a hard link to a directory");
            }
            if (source.equals(target)) {
                return;
            }
            replaceWithNonDirectory(target);
            Files.createLink(target, source);
        }

        /**
         * Removes whatever is at {@code target} and forgets the deferred metadata of every directory
         * at or below it: those paths are gone, and a symlink put in their place must never receive it.
         */
        private void replaceWithNonDirectory(Path target) throws IOException {
            removeExisting(target);
            dirs.keySet().removeIf(path -> path.startsWith(target));
        }

        /** Walks {@code parts} below the root refusing symlinks; creates missing directories when asked. */
        private Path resolveParent(String name, List<String> parts, boolean create) throws ImageException, IOException {
            Path current = root;
            for (String part : parts) {
                Path next = current.resolve(part);
                BasicFileAttributes attributes = attributes(next);
                if (attributes == null) {
                    if (!create) {
                        throw unsafe(name, "refers to \"" + printable(part) + "\", which is not in this layer");
                    }
                    Files.createDirectory(next);
                    setMode(next, DEFAULT_DIR_MODE);
                } else if (attributes.isSymbolicLink()) {
                    throw unsafe(name, "goes through the symlink \"" + printable(root.relativize(next).toString()) + "\"");
                } else if (!attributes.isDirectory()) {
                    throw unsafe(name, "goes through \"" + printable(root.relativize(next).toString()) + "\", which is not a directory");
                }
                current = next;
            }
            return current;
        }

        void finish() throws IOException {
            for (DeferredDir dir : dirs.values()) {
                if (!stillInsideLayer(dir.path())) {
                    log.debug("layer {}: {} was replaced by a later entry, not applying its metadata", diffId, dir.path());
                    continue;
                }
                setMode(dir.path(), dir.mode());
                Files.getFileAttributeView(dir.path(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(dir.mtime(), null, null);
            }
            if (!dirs.containsKey(root)) {
                setMode(root, DEFAULT_DIR_MODE);
            }
        }

        /**
         * Whether {@code path} is still a real directory reached from the root without any symlink.
         * chmod and utimes only refuse a symlink as the last component, so a parent swapped for a
         * symlink after the directory was recorded would otherwise redirect them outside the layer.
         */
        private boolean stillInsideLayer(Path path) throws IOException {
            List<String> parts = new java.util.ArrayList<>();
            root.relativize(path).forEach(part -> parts.add(part.toString()));
            if (parts.size() == 1 && parts.getFirst().isEmpty()) {
                parts.clear(); // relativize(root) is the empty path
            }
            try {
                Path parent = resolveParent(path.toString(), parts.subList(0, Math.max(0, parts.size() - 1)), false);
                BasicFileAttributes now = attributes(parts.isEmpty() ? root : parent.resolve(parts.getLast()));
                return now != null && now.isDirectory();
            } catch (ImageException e) {
                return false;
            }
        }

        private ImageException unsafe(String name, String why) {
            return new ImageException("layer " + diffId + " is unsafe: entry \"" + printable(name) + "\" " + why);
        }

        /** Lexically cleans a tar name; rejects absolute names and names climbing above the root. */
        private List<String> clean(String path, String entryName) throws ImageException {
            if (path.isEmpty()) {
                throw unsafe(entryName, "has an empty name");
            }
            if (path.startsWith("/")) {
                throw unsafe(entryName, "has an absolute path");
            }
            if (path.indexOf('\0') >= 0) {
                throw unsafe(entryName, "contains a NUL character");
            }
            Deque<String> parts = new ArrayDeque<>();
            for (String part : path.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    if (parts.isEmpty()) {
                        throw unsafe(entryName, "escapes the layer root");
                    }
                    parts.removeLast();
                } else {
                    parts.addLast(part);
                }
            }
            return List.copyOf(parts);
        }

        private void setOwner(Path path, TarArchiveEntry entry) throws IOException {
            if (!privileged) {
                return;
            }
            Files.setAttribute(path, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** commons-compress calls everything that is not a directory a file, so check the type flag itself. */
    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL
                || flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_OLDNORM
                || flag == org.apache.commons.compress.archivers.tar.TarConstants.LF_CONTIG;
    }

    private static void removeExisting(Path target) throws IOException {
        BasicFileAttributes existing = attributes(target);
        if (existing == null) {
            return;
        }
        if (existing.isDirectory()) {
            deleteTree(target);
        } else {
            Files.delete(target);
        }
    }

    private static void setMode(Path path, int mode) throws IOException {
        // chmod after chown: chown clears setuid/setgid bits.
        Files.setAttribute(path, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
    }

    private static void setMtime(Path path, TarArchiveEntry entry) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(entry.getLastModifiedTime(), null, null);
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Deletes a tree without following symlinks; best effort, used for cleanup. */
    public static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, oneLine(e));
        }
    }

    private static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static String printable(String text) {
        String cleaned = text.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) + "..." : cleaned;
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    /** Hashes and counts everything read through it; fails once more than {@code max} bytes went by. */
    private static final class HashingLimitedStream extends FilterInputStream {
        private final MessageDigest digest;
        private final long max;
        private final String diffId;
        private long count;

        HashingLimitedStream(InputStream in, MessageDigest digest, long max, String diffId) {
            super(in);
            this.digest = digest;
            this.max = max;
            this.diffId = diffId;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
                if (count > max) {
                    throw new IOException(new ImageException("layer " + diffId
                            + " is larger than the limit of " + max + " uncompressed bytes"));
                }
                digest.update(buffer, offset, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Route skips through read() so skipped bytes are hashed and counted too.
            byte[] buffer = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
