package io.gantry.net.host;

import io.gantry.net.NetworkException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a task on a fresh platform thread that first joins another network namespace
 * (setns(2) through the FFM API). Sockets created by the task belong to that namespace for
 * good, whichever thread uses them later: this is how one DNS server process listens on
 * gateways that live in other namespaces (tests playing several nodes). The thread ends
 * with the task, so no JVM thread is left in a foreign namespace.
 * Needs {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class Netns {
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private Netns() {
    }

    public static <T> T callIn(Path netns, Callable<T> task) {
        if (netns == null) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new NetworkException(e.getMessage(), e);
            }
        }
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + netns.getFileName()).start(() -> {
            try {
                enter(netns);
                result.set(task.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while entering " + netns, e);
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f != null) {
            throw new NetworkException(f.getMessage(), f);
        }
        return result.get();
    }

    @SuppressWarnings("restricted") // setns(2) has no Java API; the module documents --enable-native-access
    private static void enter(Path netns) throws Throwable {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle setns = linker.downcallHandle(libc.find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) open.invokeExact(arena.allocateFrom(netns.toString()), O_RDONLY_CLOEXEC);
        }
        if (fd < 0) {
            throw new NetworkException("cannot open network namespace " + netns);
        }
        try {
            int rc = (int) setns.invokeExact(fd, CLONE_NEWNET);
            if (rc != 0) {
                throw new NetworkException("cannot enter network namespace " + netns + " (setns failed; root needed)");
            }
        } finally {
            int ignored = (int) close.invokeExact(fd);
        }
    }
}
