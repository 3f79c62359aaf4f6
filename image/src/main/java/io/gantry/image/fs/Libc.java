package io.gantry.image.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few libc calls the JDK has no API for (device nodes, xattrs on symlink-safe paths, mounts), via FFM, with errno made readable. */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Libc {
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    private static final int ENODATA = 61;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle MKNOD = downcall("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle LSETXATTR = downcall("lsetxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LGETXATTR = downcall("lgetxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MOUNT = downcall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    public static final int MNT_DETACH = 2;
    private static final int ENOENT = 2;
    private static final int EINVAL = 22;
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO_OPTION);
    }

    /** {@code mknod(path, mode, dev)}; mode includes the file type bits. Never follows a final symlink (it creates). */
    public static void mknod(Path path, int mode, long dev) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), mode, dev);
            if (rc != 0) {
                throw failure("mknod", path, errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mknod " + path + " failed: " + t, t);
        }
    }

    /** {@code lsetxattr}: sets an extended attribute on {@code path} itself, never on a symlink's target. */
    public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment data = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, data, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name),
                    data, (long) value.length, 0);
            if (rc != 0) {
                throw failure("lsetxattr " + name, path, errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lsetxattr " + path + " failed: " + t, t);
        }
    }

    /** {@code lgetxattr}; empty when the attribute is not set. */
    public static Optional<byte[]> lgetxattr(Path path, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buffer = arena.allocate(64 * 1024);
            long n = (long) LGETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name),
                    buffer, buffer.byteSize());
            if (n < 0) {
                int errno = errno(state);
                if (errno == ENODATA) {
                    return Optional.empty();
                }
                throw failure("lgetxattr " + name, path, errno);
            }
            return Optional.of(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lgetxattr " + path + " failed: " + t, t);
        }
    }

    /** {@code mount(source, target, fstype, flags, data)}, e.g. an overlay root filesystem. */
    public static void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment dataSegment = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target.toString()),
                    arena.allocateFrom(fsType), flags, dataSegment);
            if (rc != 0) {
                int errno = errno(state);
                throw new IOException("cannot mount " + fsType + " on " + target + ": " + strerror(errno) + " (errno " + errno + ")");
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
        throw new IOException("cannot unmount " + target + ": " + strerror(errno) + " (errno " + errno + ")");
    }

    private static int umount2(Path target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
            return rc == 0 ? 0 : errno(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException failure(String call, Path path, int errno) {
        return new IOException(call + " " + path + ": " + strerror(errno));
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
