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
import java.util.Map;
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

    private final Path blobs;
    private final Path ingest;
    private final Map<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

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
        Digests.require(digest, "blob");
        Path target = path(digest);
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            return target;
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = inFlight.putIfAbsent(digest, mine);
        if (running != null) {
            return await(running);
        }
        try {
            // Someone may have finished between our first check and claiming the digest.
            Path result = Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) ? target : download(digest, size, source, target);
            mine.complete(result);
            return result;
        } catch (Throwable e) {
            // Whatever ends the download (even an Error) must release the waiters sharing it.
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(digest, mine);
        }
    }

    /** Stores {@code bytes}, verifying they hash to {@code digest}. */
    public Path write(String digest, byte[] bytes) throws ImageException {
        return ingest(digest, bytes.length, () -> new java.io.ByteArrayInputStream(bytes));
    }

    private Path download(String digest, long size, BlobSource source, Path target) throws ImageException {
        Path temp = null;
        try {
            temp = Files.createTempFile(ingest, Digests.hex(digest).substring(0, 12) + "-", ".part");
            MessageDigest sha256 = Digests.newSha256();
            long written = 0;
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
                }
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
