package io.gantry.agent.session;

import com.google.protobuf.ByteString;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.proto.CopyOp;
import io.gantry.proto.SessionFrame;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code cp} both ways, as tar streams in data frames. Container paths are resolved with openat2(RESOLVE_IN_ROOT)
 * against the container's root, so neither ".." nor a planted symlink (absolute or relative) ever leads out of
 * it: a link to "/" means the container's root. Below that, directories are walked by descriptor (openat with
 * O_NOFOLLOW, listing through /proc/self/fd), so a link swapped in meanwhile cannot redirect the walk either.
 * Extraction refuses absolute names, ".." and links whose target climbs above the container root. A running
 * container is reached through /proc/PID/root (its volumes and bind mounts included); a stopped one through
 * its rootfs, mounted for the copy.
 */
final class CopySession implements SessionHandler {
    private static final int CHUNK = 32 * 1024;

    private final ContainerRuntime runtime;
    private final ContainerView container;
    private final CopyOp op;
    private final boolean into;

    CopySession(ContainerRuntime runtime, ContainerView container, CopyOp op, boolean into) {
        this.runtime = runtime;
        this.container = container;
        this.op = op;
        this.into = into;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        String path = op.getPath();
        if (path.isEmpty()) {
            throw SessionException.invalid("cp needs a path in the container");
        }
        if (!path.startsWith("/")) {
            path = "/" + path; // relative to the container's root, as Docker without a working dir
        }
        String containerPath = normalize(path);
        try {
            if (container.live()) {
                // The container's own view, mounts included (a volume at /data is what cp to /data should reach).
                long pid = io.gantry.agent.runtime.OciRuntime.readPid(container.paths().pidFile()).orElse(0);
                if (pid > 0) {
                    int root;
                    try {
                        root = Posix.open("/proc/" + pid + "/root", Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_CLOEXEC);
                    } catch (IOException gone) {
                        root = -1; // exited meanwhile: its rootfs below
                    }
                    if (root >= 0) {
                        try {
                            return copy(session, root, containerPath);
                        } finally {
                            Posix.close(root);
                        }
                    }
                }
            }
            return runtime.withRootfs(container.id(), rootfs -> {
                int root = Posix.open(rootfs.toString(), Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_CLOEXEC);
                try {
                    return copy(session, root, containerPath);
                } finally {
                    Posix.close(root);
                }
            });
        } catch (java.util.NoSuchElementException e) {
            throw SessionException.notFound("no such container: " + container.name());
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("no filesystem yet")) {
                throw SessionException.precondition(e.getMessage());
            }
            throw e;
        }
    }

    private int copy(SessionContext session, int root, String path) throws Exception {
        if (into) {
            extract(session, root, path);
        } else {
            archive(session, root, path);
        }
        return 0;
    }

    /** Lexically clean, absolute (as Docker's filepath.Clean); ".." above "/" stays at "/". */
    static String normalize(String path) {
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    private SessionException notFound(String path) {
        return SessionException.notFound("Could not find the file " + path + " in container " + container.name());
    }

    /** Opens {@code path} (in the container) as an O_PATH descriptor, never leaving the root. */
    private static int resolve(int root, String path, int flags) throws IOException {
        return Posix.openat2(root, path, flags | Posix.O_CLOEXEC, 0, Posix.RESOLVE_IN_ROOT | Posix.RESOLVE_NO_MAGICLINKS);
    }

    // ------------------------------------------------------------------ copy_from

    private void archive(SessionContext session, int root, String path) throws Exception {
        int slash = path.lastIndexOf('/');
        String parentPath = slash == 0 ? "/" : path.substring(0, slash);
        String leaf = path.substring(slash + 1);
        int parent;
        try {
            parent = resolve(root, parentPath, Posix.O_PATH | Posix.O_DIRECTORY);
        } catch (IOException e) {
            throw notFound(path);
        }
        try (OutputStream frames = new FrameOutputStream(session);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(frames)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            if (leaf.isEmpty()) {
                addDirectory(session, tar, parent, ".");
            } else {
                boolean follow = op.getFollowLink();
                Path entry = Path.of("/proc/self/fd/" + parent, leaf);
                if (!Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
                    throw notFound(path);
                }
                if (follow && Files.isSymbolicLink(entry)) {
                    // cp -L: the link's target, resolved inside the root, under the link's name
                    int target;
                    try {
                        target = resolve(root, path, Posix.O_PATH);
                    } catch (IOException e) {
                        throw notFound(path);
                    }
                    try {
                        Path t = Path.of("/proc/self/fd/" + target);
                        if (Files.isDirectory(t)) {
                            addDirectory(session, tar, target, leaf);
                        } else {
                            addFile(tar, t, target, null, leaf);
                        }
                    } finally {
                        Posix.close(target);
                    }
                } else {
                    add(session, tar, parent, leaf, leaf);
                }
            }
            tar.finish();
        } finally {
            Posix.close(parent);
        }
    }

    /** One entry {@code name} of directory {@code dirFd}, as {@code tarName}; recurses into directories without following links. */
    private void add(SessionContext session, TarArchiveOutputStream tar, int dirFd, String name, String tarName) throws IOException {
        if (session.cancelled()) {
            throw new IOException("cancelled");
        }
        Path entry = Path.of("/proc/self/fd/" + dirFd, name);
        BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isDirectory()) {
            int child = Posix.openat(dirFd, name, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
            try {
                addDirectory(session, tar, child, tarName);
            } finally {
                Posix.close(child);
            }
        } else {
            addFile(tar, entry, dirFd, name, tarName);
        }
    }

    private void addDirectory(SessionContext session, TarArchiveOutputStream tar, int dirFd, String tarName) throws IOException {
        Path self = Path.of("/proc/self/fd/" + dirFd);
        TarArchiveEntry e = new TarArchiveEntry(tarName + "/");
        describe(e, self, Files.readAttributes(self, BasicFileAttributes.class), true);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        List<String> names;
        try (var list = Files.list(self)) {
            names = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String name : names) {
            add(session, tar, dirFd, name, tarName + "/" + name);
        }
    }

    /**
     * A non-directory: {@code entry} names it for its attributes; its content is read through a descriptor
     * opened relative to {@code dirFd} without following links (or {@code dirFd} itself when {@code name} is null).
     */
    private static void addFile(TarArchiveOutputStream tar, Path entry, int dirFd, String name, String tarName) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, name == null ? new LinkOption[0]
                : new LinkOption[] {LinkOption.NOFOLLOW_LINKS});
        TarArchiveEntry e;
        if (attrs.isSymbolicLink()) {
            e = new TarArchiveEntry(tarName, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(entry).toString());
        } else if (attrs.isRegularFile()) {
            e = new TarArchiveEntry(tarName);
            e.setSize(attrs.size());
        } else {
            return; // devices, fifos, sockets: not copied
        }
        describe(e, entry, attrs, name == null);
        tar.putArchiveEntry(e);
        if (attrs.isRegularFile() && attrs.size() > 0) {
            int fd = name == null
                    ? Posix.open(entry.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC)
                    : Posix.openat(dirFd, name, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
            try (InputStream in = new FileInputStream("/proc/self/fd/" + fd)) {
                copyExactly(in, tar, attrs.size());
            } finally {
                Posix.close(fd);
            }
        }
        tar.closeArchiveEntry();
    }

    /** {@code follow}: {@code file} is a /proc/self/fd link standing for the file itself. */
    private static void describe(TarArchiveEntry e, Path file, BasicFileAttributes attrs, boolean follow) throws IOException {
        Map<String, Object> unix = follow ? Files.readAttributes(file, "unix:mode,uid,gid")
                : Files.readAttributes(file, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        e.setMode((Integer) unix.get("mode") & 07777);
        e.setUserId((Integer) unix.get("uid"));
        e.setGroupId((Integer) unix.get("gid"));
        e.setModTime(attrs.lastModifiedTime().toMillis());
    }

    /** Exactly {@code size} bytes (a file that changed size meanwhile is cut or padded: the header is written already). */
    private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[CHUNK];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            left -= n;
        }
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            java.util.Arrays.fill(buf, 0, n, (byte) 0);
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Cuts the tar stream into data frames. */
    private static final class FrameOutputStream extends OutputStream {
        private final SessionContext session;
        private final byte[] buf = new byte[CHUNK];
        private int used;

        FrameOutputStream(SessionContext session) {
            this.session = session;
        }

        @Override
        public void write(int b) throws IOException {
            if (used == buf.length) {
                flush();
            }
            buf[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == buf.length) {
                    flush();
                }
                int n = Math.min(len, buf.length - used);
                System.arraycopy(b, off, buf, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() {
            if (used > 0) {
                session.send(SessionFrame.newBuilder().setData(ByteString.copyFrom(buf, 0, used)));
                used = 0;
            }
        }

        @Override
        public void close() {
            flush();
        }
    }

    // ------------------------------------------------------------------ copy_to

    private void extract(SessionContext session, int root, String path) throws Exception {
        try {
            Posix.close(resolve(root, path, Posix.O_PATH | Posix.O_DIRECTORY));
        } catch (IOException e) {
            if (e.getMessage().contains("Not a directory")) {
                throw SessionException.precondition("extraction point " + path + " is not a directory in container " + container.name());
            }
            throw notFound(path);
        }
        String base = path;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new FrameInputStream(session))) {
            TarArchiveEntry e;
            List<TarArchiveEntry> dirs = new ArrayList<>();
            while ((e = tar.getNextEntry()) != null) {
                String name = safeName(e.getName());
                if (name == null) {
                    continue; // "." or "./"
                }
                String full = join(base, name);
                int slash = full.lastIndexOf('/');
                String parent = slash == 0 ? "/" : full.substring(0, slash);
                String leaf = full.substring(slash + 1);
                int slashInName = name.lastIndexOf('/');
                if (slashInName > 0) {
                    makeParents(root, base, name.substring(0, slashInName)); // archives need not list every directory
                }
                int parentFd;
                try {
                    parentFd = resolve(root, parent, Posix.O_PATH | Posix.O_DIRECTORY);
                } catch (IOException ex) {
                    throw SessionException.invalid("cannot extract " + name + ": " + parent + " is not a directory in container " + container.name());
                }
                try {
                    if (e.isDirectory()) {
                        Posix.mkdirat(parentFd, leaf, 0755);
                        dirs.add(e);
                    } else if (e.isSymbolicLink()) {
                        checkLink(name, e.getLinkName(), base);
                        Posix.unlinkIfExists(parentFd, leaf);
                        Posix.symlinkat(e.getLinkName(), parentFd, leaf);
                    } else if (e.isLink()) {
                        String target = safeName(e.getLinkName());
                        if (target == null) {
                            throw SessionException.invalid("refusing the hard link " + name + " to " + e.getLinkName());
                        }
                        String targetFull = join(base, target);
                        int ts = targetFull.lastIndexOf('/');
                        int targetParent = resolve(root, ts == 0 ? "/" : targetFull.substring(0, ts), Posix.O_PATH | Posix.O_DIRECTORY);
                        try {
                            Posix.unlinkIfExists(parentFd, leaf);
                            Posix.linkat(targetParent, targetFull.substring(ts + 1), parentFd, leaf);
                        } finally {
                            Posix.close(targetParent);
                        }
                        continue;
                    } else if (e.isFile()) {
                        Posix.unlinkIfExists(parentFd, leaf); // never write through a link planted at the name
                        int fd = Posix.openat(parentFd, leaf, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0600);
                        try {
                            byte[] buf = new byte[CHUNK];
                            int n;
                            while ((n = tar.read(buf)) > 0) {
                                Posix.writeAll(fd, buf, 0, n);
                            }
                        } finally {
                            Posix.close(fd);
                        }
                    } else {
                        continue; // devices and fifos are not created
                    }
                    Posix.fchownat(parentFd, leaf, (int) e.getLongUserId(), (int) e.getLongGroupId());
                    if (!e.isSymbolicLink() && !e.isDirectory()) {
                        Posix.fchmodat(parentFd, leaf, e.getMode() & 07777);
                    }
                } finally {
                    Posix.close(parentFd);
                }
            }
            // Directory modes last: a read-only directory must still have been writable while filling it.
            for (TarArchiveEntry d : dirs.reversed()) {
                String full = join(base, safeName(d.getName()));
                int fd = resolve(root, full, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
                try {
                    Path p = Path.of("/proc/self/fd/" + fd); // the directory itself, wherever it is
                    Files.setAttribute(p, "unix:mode", d.getMode() & 07777);
                    Files.setLastModifiedTime(p, FileTime.fromMillis(d.getModTime().getTime()));
                } catch (IOException ignored) {
                    // best effort
                } finally {
                    Posix.close(fd);
                }
            }
        }
    }

    /** mkdir -p of {@code dirs} under {@code base}, each step resolved in the root. */
    private static void makeParents(int root, String base, String dirs) throws IOException {
        String current = base;
        for (String part : dirs.split("/")) {
            int fd = resolve(root, current, Posix.O_PATH | Posix.O_DIRECTORY);
            try {
                Posix.mkdirat(fd, part, 0755);
            } finally {
                Posix.close(fd);
            }
            current = join(current, part);
        }
    }

    private static String join(String base, String name) {
        return base.equals("/") ? "/" + name : base + "/" + name;
    }

    /** The entry's name made relative and clean; null for the archive's root; throws for absolute names or "..". */
    static String safeName(String raw) throws SessionException {
        String n = raw;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.equals(".")) {
            return null;
        }
        if (n.startsWith("/")) {
            throw SessionException.invalid("refusing the absolute path " + raw + " in the archive");
        }
        List<String> parts = new ArrayList<>();
        for (String p : n.split("/")) {
            if (p.equals("..")) {
                throw SessionException.invalid("refusing the path " + raw + " in the archive: it contains \"..\"");
            }
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        return String.join("/", parts);
    }

    /** A symlink whose relative target climbs above the container's root is refused; absolute ones stay inside anyway. */
    static void checkLink(String name, String target, String base) throws SessionException {
        if (target.startsWith("/")) {
            return;
        }
        String dir = join(base, name);
        List<String> stack = new ArrayList<>(List.of(dir.substring(1).split("/")));
        stack.removeLast(); // the link's own name
        stack.removeIf(String::isEmpty);
        for (String p : target.split("/")) {
            if (p.equals("..")) {
                if (stack.isEmpty()) {
                    throw SessionException.invalid("refusing the link " + name + " -> " + target + ": it points out of the container");
                }
                stack.removeLast();
            } else if (!p.isEmpty() && !p.equals(".")) {
                stack.add(p);
            }
        }
    }

    /** The data frames of a copy_to as one stream; stdin_eof ends it, a cancel breaks it. */
    private static final class FrameInputStream extends InputStream {
        private final SessionContext session;
        private byte[] current = new byte[0];
        private int pos;
        private boolean eof;

        FrameInputStream(SessionContext session) {
            this.session = session;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (pos == current.length) {
                if (eof) {
                    return -1;
                }
                SessionFrame f;
                try {
                    f = session.next();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("cancelled");
                }
                switch (f.getBodyCase()) {
                    case DATA -> {
                        current = f.getData().toByteArray();
                        pos = 0;
                    }
                    case STDIN_EOF -> eof = true;
                    case CANCEL -> throw new IOException("cancelled");
                    default -> {
                    }
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
