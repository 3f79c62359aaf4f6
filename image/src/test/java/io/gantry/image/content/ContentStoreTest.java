package io.gantry.image.content;

import io.gantry.image.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContentStoreTest {
    private static final byte[] DATA = "some blob content".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = Digests.sha256(DATA);

    @TempDir
    Path root;

    private List<Path> allFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void storesVerifiedBlobUnderItsDigest() throws Exception {
        ContentStore store = new ContentStore(root);
        Path path = store.ingest(DIGEST, DATA.length, () -> new ByteArrayInputStream(DATA));
        assertEquals(root.resolve("blobs/sha256/" + Digests.hex(DIGEST)), path);
        assertArrayEquals(DATA, Files.readAllBytes(path));
        assertTrue(store.contains(DIGEST));
        assertEquals(List.of(path), allFiles());
    }

    @Test
    void wrongContentLeavesNothing() throws Exception {
        ContentStore store = new ContentStore(root);
        ImageException e = assertThrows(ImageException.class,
                () -> store.ingest(DIGEST, DATA.length, () -> new ByteArrayInputStream("some blob CONTENT".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().startsWith("blob " + DIGEST + " failed verification: content has digest sha256:"), e.getMessage());
        assertEquals(List.of(), allFiles());
        assertFalse(store.contains(DIGEST));
    }

    @Test
    void shortContentLeavesNothing() throws Exception {
        ContentStore store = new ContentStore(root);
        ImageException e = assertThrows(ImageException.class,
                () -> store.ingest(DIGEST, DATA.length + 1, () -> new ByteArrayInputStream(DATA)));
        assertEquals("blob " + DIGEST + " failed verification: expected " + (DATA.length + 1) + " bytes, got " + DATA.length, e.getMessage());
        assertEquals(List.of(), allFiles());
    }

    @Test
    void brokenStreamLeavesNothing() throws Exception {
        ContentStore store = new ContentStore(root);
        InputStream failing = new InputStream() {
            int sent;

            @Override
            public int read() throws IOException {
                if (sent++ > 5) {
                    throw new IOException("connection reset");
                }
                return 'x';
            }
        };
        ImageException e = assertThrows(ImageException.class, () -> store.ingest(DIGEST, DATA.length, () -> failing));
        assertEquals("downloading blob " + DIGEST + " failed: connection reset", e.getMessage());
        assertEquals(List.of(), allFiles());
    }

    @Test
    void concurrentIngestsOfOneDigestDownloadOnce() throws Exception {
        ContentStore store = new ContentStore(root);
        AtomicInteger opened = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ContentStore.BlobSource slow = () -> {
            opened.incrementAndGet();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new ByteArrayInputStream(DATA);
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> store.ingest(DIGEST, DATA.length, slow)));
            }
            Thread.sleep(200);
            release.countDown();
            for (Future<Path> result : results) {
                assertArrayEquals(DATA, Files.readAllBytes(result.get(10, TimeUnit.SECONDS)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, opened.get());
    }

    @Test
    void waitersSeeTheDownloadersFailure() throws Exception {
        ContentStore store = new ContentStore(root);
        CountDownLatch release = new CountDownLatch(1);
        ContentStore.BlobSource bad = () -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new ByteArrayInputStream("wrong".getBytes(StandardCharsets.UTF_8));
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> first = pool.submit(() -> store.ingest(DIGEST, -1, bad));
            Future<Path> second = pool.submit(() -> store.ingest(DIGEST, -1, bad));
            Thread.sleep(200);
            release.countDown();
            for (Future<Path> result : List.of(first, second)) {
                Exception e = assertThrows(Exception.class, () -> result.get(10, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof ImageException, String.valueOf(e.getCause()));
                assertTrue(e.getCause().getMessage().contains("failed verification"));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), allFiles());
    }

    @Test
    void waitersAreReleasedWhenTheDownloaderDiesWithAnError() throws Exception {
        ContentStore store = new ContentStore(root);
        CountDownLatch release = new CountDownLatch(1);
        ContentStore.BlobSource dying = () -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new StackOverflowError("simulated");
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> downloader = pool.submit(() -> store.ingest(DIGEST, -1, dying));
            Thread.sleep(200);
            Future<Path> waiter = pool.submit(() -> store.ingest(DIGEST, -1, dying));
            Thread.sleep(200);
            release.countDown();
            Exception first = assertThrows(Exception.class, () -> downloader.get(10, TimeUnit.SECONDS));
            assertTrue(first.getCause() instanceof StackOverflowError, String.valueOf(first.getCause()));
            Exception second = assertThrows(Exception.class, () -> waiter.get(10, TimeUnit.SECONDS));
            assertTrue(second.getCause() instanceof ImageException, "waiter must not hang: " + second);
            assertTrue(second.getCause().getMessage().startsWith("blob download failed"), second.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
        // The digest is not stuck in flight: a later ingest downloads normally.
        assertArrayEquals(DATA, Files.readAllBytes(store.ingest(DIGEST, DATA.length, () -> new ByteArrayInputStream(DATA))));
    }

    @Test
    void malformedDigestIsRejected() throws Exception {
        ContentStore store = new ContentStore(root);
        ImageException e = assertThrows(ImageException.class, () -> store.ingest("sha256:../../etc", 1, () -> new ByteArrayInputStream(DATA)));
        assertTrue(e.getMessage().contains("only sha256"), e.getMessage());
    }
}
