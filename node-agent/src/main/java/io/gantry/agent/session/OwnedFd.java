package io.gantry.agent.session;

/**
 * A native descriptor read by one platform thread (a blocking read(2) through FFM would pin a virtual thread's
 * carrier). Closed only once that reader is done: closing a descriptor does not wake a blocked read, and its
 * number could be reused by the next open while the reader still uses it. A socket is shut down first, which
 * does wake the reader; a pty master's reader ends when the other side's last holder goes.
 */
final class OwnedFd implements AutoCloseable {
    private static final long READER_WAIT_MILLIS = 3000;
    private final int fd;
    private final boolean socket;
    private volatile Thread reader;
    private boolean closed;

    OwnedFd(int fd, boolean socket) {
        this.fd = fd;
        this.socket = socket;
    }

    int fd() {
        return fd;
    }

    Thread startReader(String name, Runnable body) {
        Thread t = Thread.ofPlatform().daemon().name(name).start(body);
        reader = t;
        return t;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (socket) {
            Posix.shutdown(fd, 2);
        }
        Thread r = reader;
        if (r != null && r != Thread.currentThread()) {
            try {
                r.join(READER_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (r == null || !r.isAlive()) {
            Posix.close(fd);
        } // else: better to leak the descriptor than to let its number be reused under a blocked read
    }
}
