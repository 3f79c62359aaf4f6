package io.gantry.agent.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/** mount(2) and umount2(2) through the FFM API, with errno turned into readable exceptions. */
public final class Libc {
    public static final int MNT_DETACH = 2;
    private static final int EINVAL = 22;
    private static final int ENOENT = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle MOUNT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mount").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            CAPTURE_ERRNO);
    private static final MethodHandle UMOUNT2 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("umount2").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            CAPTURE_ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {
    }

    /** mount(source, target, fstype, flags, data). */
    public static void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment dataSegment = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target.toString()),
                    arena.allocateFrom(fsType), flags, dataSegment);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException("cannot mount " + fsType + " on " + target + ": " + strerror(errno));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Unmounts {@code target}; falls back to a lazy detach when it is busy. Returns false when nothing was mounted. */
    public static boolean unmount(Path target) throws IOException {
        int errno = umount2(target, 0);
        if (errno == 0) {
            return true;
        }
        if (errno == EINVAL || errno == ENOENT) {
            return false; // not a mount point (any more)
        }
        errno = umount2(target, MNT_DETACH);
        if (errno == 0) {
            return true;
        }
        throw new IOException("cannot unmount " + target + ": " + strerror(errno));
    }

    private static int umount2(Path target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
            return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
