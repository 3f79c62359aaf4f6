package io.gantry.agent.session;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The few Linux calls Java has no API for, through the FFM API (x86_64/aarch64 Linux ABI): unix sockets of any
 * type (conmon's attach socket is SOCK_SEQPACKET), pseudo-terminals (posix_openpt), raw reads and writes on
 * such descriptors, TIOCSWINSZ, kill(2), openat2(2) with RESOLVE_IN_ROOT and the *at(2) calls that extract
 * files relative to a directory descriptor.
 * Every failure is an IOException carrying strerror(errno).
 */
public final class Posix {
    public static final int AF_UNIX = 1;
    public static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 02000000;
    public static final int SHUT_WR = 1;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_IN_ROOT = 0x10;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final long TIOCSWINSZ = 0x5414;
    private static final long SYS_OPENAT2 = 437; // the same number on x86_64 and aarch64

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle CONNECT = fn("connect", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPENAT = fn("openat", FunctionDescriptor.of(INT, INT, PTR, INT, INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle SYSCALL4 = fn("syscall", FunctionDescriptor.of(LONG, LONG, INT, PTR, PTR, LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MKDIRAT = fn("mkdirat", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle SYMLINKAT = fn("symlinkat", FunctionDescriptor.of(INT, PTR, INT, PTR));
    private static final MethodHandle LINKAT = fn("linkat", FunctionDescriptor.of(INT, INT, PTR, INT, PTR, INT));
    private static final MethodHandle FCHOWNAT = fn("fchownat", FunctionDescriptor.of(INT, INT, PTR, INT, INT, INT));
    private static final MethodHandle FCHMODAT = fn("fchmodat", FunctionDescriptor.of(INT, INT, PTR, INT, INT));
    private static final MethodHandle UNLINKAT = fn("unlinkat", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle POSIX_OPENPT = fn("posix_openpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle GRANTPT = fn("grantpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle UNLOCKPT = fn("unlockpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle PTSNAME_R = fn("ptsname_r", FunctionDescriptor.of(INT, INT, PTR, LONG));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(PTR, INT));

    private Posix() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, options);
    }

    /** The result of one call and its errno, for retry-on-EINTR loops. */
    private record Result(long value, int errno) {
    }

    private interface Call {
        long invoke(MemorySegment state) throws Throwable;
    }

    private static Result call(Call c) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            long r;
            try {
                r = c.invoke(state);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return new Result(r, r < 0 ? (int) ERRNO.get(state, 0L) : 0);
        }
    }

    /** Calls, retrying on EINTR; throws with strerror on failure. */
    private static long check(String what, Call c) throws IOException {
        while (true) {
            Result r = call(c);
            if (r.value >= 0) {
                return r.value;
            }
            if (r.errno != EINTR) {
                throw new IOException(what + ": " + strerror(r.errno));
            }
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MemorySegment sockaddr(Arena a, String path) throws IOException {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= 108) {
            throw new IOException("unix socket path too long: " + path);
        }
        MemorySegment addr = a.allocate(110);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, addr, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return addr;
    }

    /** A connected unix socket of {@code type} (SOCK_SEQPACKET for conmon's attach socket). */
    public static int connectUnix(String path, int type) throws IOException {
        int fd = (int) check("socket", s -> (int) SOCKET.invokeExact(s, AF_UNIX, type | SOCK_CLOEXEC, 0));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(a, path);
            check("connect " + path, s -> (int) CONNECT.invokeExact(s, fd, addr, 110));
            return fd;
        } catch (IOException e) {
            close(fd);
            throw e;
        }
    }

    /** Reads up to {@code buf.length} bytes; 0 at end of file (also EIO from a pty master whose slave side closed). */
    public static int read(int fd, byte[] buf) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(buf.length);
            while (true) {
                Result r = call(s -> (long) READ.invokeExact(s, fd, seg, (long) buf.length));
                if (r.value >= 0) {
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, 0, (int) r.value);
                    return (int) r.value;
                }
                if (r.errno == EINTR || r.errno == EAGAIN) {
                    continue;
                }
                if (r.errno == 5) { // EIO: the terminal's last process closed it
                    return 0;
                }
                throw new IOException("read: " + strerror(r.errno));
            }
        }
    }

    public static void writeAll(int fd, byte[] buf, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(Math.max(1, len));
            MemorySegment.copy(buf, off, seg, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                long from = done;
                done += check("write", s -> (long) WRITE.invokeExact(s, fd, seg.asSlice(from), (long) len - from));
            }
        }
    }

    public static void close(int fd) {
        if (fd >= 0) {
            call(s -> (int) CLOSE.invokeExact(s, fd));
        }
    }

    public static void shutdown(int fd, int how) {
        call(s -> (int) SHUTDOWN.invokeExact(s, fd, how));
    }

    /** TIOCSWINSZ on a terminal. */
    public static void setWindowSize(int fd, int rows, int cols) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
            check("TIOCSWINSZ", s -> (int) IOCTL.invokeExact(s, fd, TIOCSWINSZ, ws));
        }
    }

    /** A new pseudo-terminal: its master descriptor and the path of its slave side. */
    public record Pty(int master, String slave) {
    }

    public static Pty openPty() throws IOException {
        int noctty = 0400;
        int master = (int) check("posix_openpt", s -> (int) POSIX_OPENPT.invokeExact(s, 2 /* O_RDWR */ | noctty | O_CLOEXEC));
        try (Arena a = Arena.ofConfined()) {
            check("grantpt", s -> (int) GRANTPT.invokeExact(s, master));
            check("unlockpt", s -> (int) UNLOCKPT.invokeExact(s, master));
            MemorySegment name = a.allocate(128);
            Result r = call(s -> (int) PTSNAME_R.invokeExact(s, master, name, 128L));
            if (r.value != 0) {
                throw new IOException("ptsname: " + strerror((int) r.value));
            }
            return new Pty(master, name.getString(0));
        } catch (IOException e) {
            close(master);
            throw e;
        }
    }

    public static void kill(long pid, int signal) throws IOException {
        check("kill " + pid, s -> (int) KILL.invokeExact(s, (int) pid, signal));
    }

    public static int open(String path, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            return (int) check("open " + path, s -> (int) OPEN.invokeExact(s, p, flags, 0));
        }
    }

    /**
     * openat2(2) with {@code resolve} (e.g. RESOLVE_IN_ROOT: ".." and absolute symlinks stop at {@code dirfd},
     * as if it were "/"). Kernel 5.6+.
     */
    public static int openat2(int dirfd, String path, long flags, long mode, long resolve) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            MemorySegment how = a.allocate(24, 8);
            how.set(LONG, 0, flags);
            how.set(LONG, 8, mode);
            how.set(LONG, 16, resolve);
            return (int) check(path, s -> (long) SYSCALL4.invokeExact(s, SYS_OPENAT2, dirfd, p, how, 24L));
        }
    }

    public static int openat(int dirfd, String name, int flags, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(name);
            return (int) check(name, s -> (int) OPENAT.invokeExact(s, dirfd, p, flags, mode));
        }
    }

    public static void mkdirat(int dirfd, String name, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(name);
            Result r = call(s -> (int) MKDIRAT.invokeExact(s, dirfd, p, mode));
            if (r.value < 0 && r.errno != 17) { // EEXIST is fine: extracting over an existing directory
                throw new IOException(name + ": " + strerror(r.errno));
            }
        }
    }

    public static void symlinkat(String target, int dirfd, String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocateFrom(target);
            MemorySegment p = a.allocateFrom(name);
            check(name, s -> (int) SYMLINKAT.invokeExact(s, t, dirfd, p));
        }
    }

    public static void linkat(int olddirfd, String oldname, int newdirfd, String newname) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment o = a.allocateFrom(oldname);
            MemorySegment n = a.allocateFrom(newname);
            check(newname, s -> (int) LINKAT.invokeExact(s, olddirfd, o, newdirfd, n, 0));
        }
    }

    /** Removes a non-directory entry if present (tar extraction replaces files). */
    public static void unlinkIfExists(int dirfd, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(name);
            call(s -> (int) UNLINKAT.invokeExact(s, dirfd, p, 0));
        }
    }

    public static void fchownat(int dirfd, String name, int uid, int gid) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(name);
            check(name, s -> (int) FCHOWNAT.invokeExact(s, dirfd, p, uid, gid, AT_SYMLINK_NOFOLLOW));
        }
    }

    public static void fchmodat(int dirfd, String name, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(name);
            check(name, s -> (int) FCHMODAT.invokeExact(s, dirfd, p, mode, 0));
        }
    }
}
