package io.gantry.image.content;

import io.gantry.image.ImageException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.nio.file.DirectoryStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Content-addressed blobs under {@code ROOT/blobs/sha256/<hex>}. A blob appears only after its
 * sha256 and size were verified (written to {@code ROOT/ingest/} first, then renamed), so a
 * present blob is always a correct one. Concurrent requests for the same digest share one download.
 */
public final class ContentStore {
    private static final int BUFFER = 64 * 1024;

    /** Progress reports are sent at most once per this many bytes (and once at the end). */
    private static final long PROGRESS_STEP = 256 * 1024;

    private final Path blobs;
    private final Path ingest;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

    /** A download in progress: its result, and everyone who wants to hear how far it got. */
    private record InFlight(CompletableFuture<Path> result, List<LongConsumer> listeners) {
    }

    /** Opens the blob source; called at most once per {@link #ingest} that actually downloads. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open() throws ImageException, IOException;
    }

    public ContentStore(Path root) throws ImageException {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.ingest = root.resolve("ingest");
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(ingest);
        } catch (IOException e) {
            throw new ImageException("cannot create the content store under " + root + ": " + e.getMessage(), e);
        }
    }

    public Path path(String digest) {
        return blobs.resolve(Digests.hex(digest));
    }

    public boolean contains(String digest) {
        return Digests.isValid(digest) && Files.isRegularFile(path(digest), LinkOption.NOFOLLOW_LINKS);
    }

    public byte[] read(String digest) throws ImageException {
        try {
            return Files.readAllBytes(path(digest));
        } catch (IOException e) {
            throw new ImageException("blob " + digest + " is missing from the local store", e);
        }
    }

    /**
     * Makes sure blob {@code digest} of {@code size} bytes (negative: unknown) is present, reading
     * it from {@code source} if not. Returns its path.
     */
    public Path ingest(String digest, long size, BlobSource source) throws ImageException {
        return ingest(digest, size, source, bytes -> { });
    }

    /**
     * Like {@link #ingest(String, long, BlobSource)}, telling {@code progress} how many bytes have
     * arrived so far (also when another caller's download of the same digest is joined).
     */
    public Path ingest(String digest, long size, BlobSource source, LongConsumer progress) throws ImageException {
        Digests.require(digest, "blob");
        Path target = path(digest);
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            return target;
        }
        InFlight mine = new InFlight(new CompletableFuture<>(), new CopyOnWriteArrayList<>(List.of(progress)));
        InFlight running = inFlight.putIfAbsent(digest, mine);
        if (running != null) {
            running.listeners().add(progress);
            return await(running.result());
        }
        try {
            // Someone may have finished between our first check and claiming the digest.
            Path result = Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) ? target
                    : download(digest, size, source, target, mine.listeners());
            mine.result().complete(result);
            return result;
        } catch (Throwable e) {
            // Whatever ends the download (even an Error) must release the waiters sharing it.
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(digest, mine);
        }
    }

    /** Whether a download is running in this process. */
    public boolean downloading() {
        return !inFlight.isEmpty();
    }

    /** The digests of every stored blob. */
    public Set<String> digests() throws ImageException {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs)) {
            for (Path file : files) {
                String digest = "sha256:" + file.getFileName();
                if (Digests.isValid(digest)) {
                    out.add(digest);
                }
            }
        } catch (IOException e) {
            throw new ImageException("cannot list the blobs in " + blobs + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The size of a stored blob, 0 when it is missing. */
    public long size(String digest) {
        try {
            return Files.size(path(digest));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Deletes a blob; returns the bytes freed (0 when it was not there). Deleting a file is atomic. */
    public long delete(String digest) throws ImageException {
        Digests.require(digest, "blob");
        try {
            long size = size(digest);
            return Files.deleteIfExists(path(digest)) ? size : 0;
        } catch (IOException e) {
            throw new ImageException("cannot delete blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes downloads that were cut short (by a crash); returns the bytes freed. The files are
     * listed before checking that nothing downloads, so a download starting meanwhile is not in the list.
     */
    public long cleanIngest() throws ImageException {
        List<Path> leftovers = new java.util.ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
            files.forEach(leftovers::add);
        } catch (IOException e) {
            throw new ImageException("cannot clean " + ingest + ": " + e.getMessage(), e);
        }
        if (!inFlight.isEmpty()) {
            return 0;
        }
        long freed = 0;
        for (Path file : leftovers) {
            try {
                long size = Files.size(file);
                if (Files.deleteIfExists(file)) {
                    freed += size;
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                // finished in the meantime
            } catch (IOException e) {
                throw new ImageException("cannot clean " + ingest + ": " + e.getMessage(), e);
            }
        }
        return freed;
    }

    /** Stores {@code bytes}, verifying they hash to {@code digest}. */
    public Path write(String digest, byte[] bytes) throws ImageException {
        return ingest(digest, bytes.length, () -> new java.io.ByteArrayInputStream(bytes));
    }

    private Path download(String digest, long size, BlobSource source, Path target, List<LongConsumer> listeners)
            throws ImageException {
        Path temp = null;
        try {
            temp = Files.createTempFile(ingest, Digests.hex(digest).substring(0, 12) + "-", ".part");
            MessageDigest sha256 = Digests.newSha256();
            long written = 0;
            long reported = 0;
            try (InputStream in = source.open(); OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    written += n;
                    if (size >= 0 && written > size) {
                        throw new ImageException("blob " + digest + " failed verification: more than the expected " + size + " bytes");
                    }
                    sha256.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    if (written - reported >= PROGRESS_STEP) {
                        reported = written;
                        report(listeners, written);
                    }
                }
            }
            if (reported != written) {
                report(listeners, written);
            }
            if (size >= 0 && written != size) {
                throw new ImageException("blob " + digest + " failed verification: expected " + size + " bytes, got " + written);
            }
            String actual = Digests.format(sha256.digest());
            if (!actual.equals(digest)) {
                throw new ImageException("blob " + digest + " failed verification: content has digest " + actual);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return target;
        } catch (IOException e) {
            throw new ImageException("downloading blob " + digest + " failed: " + oneLine(e), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: ingest/ is scratch space
                }
            }
        }
    }

    private static void report(List<LongConsumer> listeners, long bytes) {
        for (LongConsumer listener : listeners) {
            try {
                listener.accept(bytes);
            } catch (RuntimeException e) {
                // a listener's failure (e.g. a client gone) must not fail the download others share
            }
        }
    }

    private static Path await(CompletableFuture<Path> running) throws ImageException {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while waiting for a blob download", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImageException image) {
                throw new ImageException(image.getMessage(), image);
            }
            throw new ImageException("blob download failed: " + e.getCause(), e.getCause());
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
