package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The local half of {@code gantry cp}: tars a local file or tree, and unpacks a tar from a container so that
 * nothing lands outside the destination (the tar comes from a container, which may be hostile): names with
 * {@code ..} or a leading {@code /} are refused, and no entry is written through a symbolic link.
 */
final class LocalTar {
    private LocalTar() {
    }

    /** Writes {@code source} as a tar whose root entry is {@code rootName}. */
    static void write(Path source, String rootName, boolean followRootLink, OutputStream out) throws IOException {
        try (var tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            Path root = followRootLink ? source.toRealPath() : source;
            add(tar, root, rootName);
            if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : (Iterable<Path>) walk.skip(1)::iterator) {
                        add(tar, p, rootName + "/" + root.relativize(p).toString().replace('\\', '/'));
                    }
                }
            }
        }
    }

    private static void add(TarArchiveOutputStream tar, Path p, String name) throws IOException {
        TarArchiveEntry e;
        if (Files.isSymbolicLink(p)) {
            e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
        } else {
            e = new TarArchiveEntry(p, name, LinkOption.NOFOLLOW_LINKS);
        }
        tar.putArchiveEntry(e);
        if (!e.isSymbolicLink() && e.isFile()) {
            Files.copy(p, tar);
        }
        tar.closeArchiveEntry();
    }

    /**
     * Unpacks {@code in}, whose entries all sit under one root name (the copied file or directory), as
     * {@code dest} when it does not exist, or inside it when it is a directory (Docker's rules).
     */
    static void extract(InputStream in, Path dest) throws IOException {
        try (var tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            Path base = null;
            String rootName = null;
            while ((e = tar.getNextEntry()) != null) {
                String name = stripSlashes(e.getName());
                checkName(e.getName(), name);
                String first = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
                if (rootName == null) {
                    rootName = first;
                    if (Files.isDirectory(dest)) {
                        base = dest.resolve(rootName.equals(".") ? "" : rootName);
                    } else {
                        Path parent = dest.toAbsolutePath().getParent();
                        if (parent != null && !Files.isDirectory(parent)) {
                            throw new CliException("destination directory " + parent + " does not exist");
                        }
                        if (destinationIsDirectoryHint(dest) && !e.isDirectory()) {
                            throw new CliException("destination " + dest + " does not exist and is not a directory");
                        }
                        base = dest;
                    }
                } else if (!first.equals(rootName)) {
                    throw new CliException("refusing the copy: entry \"" + e.getName() + "\" is outside the copied path");
                }
                String rest = name.equals(first) ? "" : name.substring(first.length() + 1);
                Path target = rest.isEmpty() ? base : base.resolve(rest);
                writeEntry(tar, e, base, target);
            }
        }
    }

    private static boolean destinationIsDirectoryHint(Path dest) {
        return dest.toString().endsWith("/");
    }

    private static String stripSlashes(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.isEmpty() ? "." : n;
    }

    private static void checkName(String raw, String name) {
        if (raw.startsWith("/")) {
            throw new CliException("refusing the copy: absolute path \"" + raw + "\" in the archive");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new CliException("refusing the copy: \"" + raw + "\" would escape the destination");
            }
        }
    }

    private static void writeEntry(TarArchiveInputStream tar, TarArchiveEntry e, Path base, Path target) throws IOException {
        // Every directory between the destination and the entry must be a real directory, never a link the
        // archive planted earlier: otherwise a later entry could be written (or a directory made) through it.
        if (!target.equals(base)) {
            Path dir = base;
            Path rel = base.relativize(target.getParent() == null ? base : target.getParent());
            if (!Files.exists(base, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(base);
            }
            for (Path part : rel) {
                if (part.toString().isEmpty()) {
                    continue;
                }
                dir = dir.resolve(part);
                if (Files.isSymbolicLink(dir)) {
                    throw new CliException("refusing the copy: \"" + e.getName() + "\" would be written through a symbolic link");
                }
                if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(dir);
                }
            }
        }
        if (Files.isSymbolicLink(target)) {
            Files.delete(target);
        }
        if (e.isDirectory()) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
            }
            setMode(target, e.getMode());
        } else if (e.isSymbolicLink()) {
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (e.isFile() && !e.isLink()) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                tar.transferTo(out);
            } catch (FileAlreadyExistsException ex) {
                throw new CliException("cannot write " + target + ": " + ex.getMessage());
            }
            setMode(target, e.getMode());
        } else if (e.isLink()) {
            throw new CliException("refusing the copy: hard link \"" + e.getName() + "\" is not supported");
        }
        // devices, fifos: skipped, as a non-root copy would
    }

    private static void setMode(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }
}
