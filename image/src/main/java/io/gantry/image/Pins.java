package io.gantry.image;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What running pulls use, so garbage collection never deletes it under them. A pull pins its
 * blobs and layers before it looks at them; the collector deletes an item only through
 * {@link #unlessPinned}, under the same lock, so either the pull pinned first (the item stays) or
 * the deletion happened first (the pull finds the item missing and fetches it again).
 */
final class Pins {
    private final Map<String, Integer> counts = new HashMap<>();
    private int activePulls;

    /** Something a pull may hold. */
    static String blob(String digest) {
        return "blob:" + digest;
    }

    static String layer(String diffId) {
        return "layer:" + diffId;
    }

    /** A pull starts: returns a handle that pins more items and releases everything on close. */
    synchronized Handle begin() {
        activePulls++;
        return new Handle();
    }

    synchronized boolean pullsRunning() {
        return activePulls > 0;
    }

    @FunctionalInterface
    interface Deletion<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code deletion} unless {@code key} is pinned; returns whether it ran. Keep deletions short. */
    synchronized <E extends Exception> boolean unlessPinned(String key, Deletion<E> deletion) throws E {
        if (counts.containsKey(key)) {
            return false;
        }
        deletion.run();
        return true;
    }

    /** Runs {@code deletion} only while no pull runs (for scratch space of interrupted pulls). */
    synchronized <E extends Exception> boolean unlessPulling(Deletion<E> deletion) throws E {
        if (activePulls > 0) {
            return false;
        }
        deletion.run();
        return true;
    }

    final class Handle implements AutoCloseable {
        private final List<String> held = new java.util.ArrayList<>();
        private boolean closed;

        void pin(Collection<String> keys) {
            synchronized (Pins.this) {
                for (String key : keys) {
                    counts.merge(key, 1, Integer::sum);
                    held.add(key);
                }
            }
        }

        @Override
        public void close() {
            synchronized (Pins.this) {
                if (closed) {
                    return;
                }
                closed = true;
                for (String key : held) {
                    counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                }
                activePulls--;
            }
        }
    }
}
