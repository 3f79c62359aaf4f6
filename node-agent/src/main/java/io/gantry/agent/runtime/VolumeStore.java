package io.gantry.agent.runtime;

import io.gantry.agent.spec.ContainerMounts;
import io.gantry.agent.spec.SpecException;
import io.gantry.agent.spec.VolumeSource;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named volumes: {@code <data-dir>/volumes/<name>/_data}, made on first use and pre-filled with a
 * copy of the image's content at the mount target (owners, modes and symlinks kept), as Docker does.
 * Volumes outlive the containers that use them.
 */
public final class VolumeStore implements VolumeSource {
    private static final Logger log = LoggerFactory.getLogger(VolumeStore.class);
    private final Path root;

    public VolumeStore(Path dataDir) {
        this.root = dataDir.resolve("volumes");
    }

    public Path dataDir(String name) {
        return root.resolve(name).resolve("_data");
    }

    @Override
    public synchronized Path mountSource(String name, Optional<Path> imageContent) throws SpecException {
        if (!name.matches(ContainerMounts.VOLUME_NAME)) {
            throw new SpecException("invalid volume name \"" + name + "\"");
        }
        Path volume = root.resolve(name);
        Path data = volume.resolve("_data");
        if (Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
            return data;
        }
        Path staging = null;
        try {
            Files.createDirectories(volume); // may exist already, e.g. made by a future `volume create` with metadata
            staging = Files.createTempDirectory(volume, "._data-");
            if (imageContent.isPresent()) {
                copyTree(imageContent.get(), staging);
            } else {
                Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            // Made complete, then moved in: a crash never leaves a half-filled volume behind its name.
            Files.move(staging, data, StandardCopyOption.ATOMIC_MOVE);
            log.info("volume {} created", name);
            return data;
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new SpecException("cannot create volume " + name + ": " + e.getMessage());
        }
    }

    /** What {@code volume ls/inspect} shows; labels and creation time live in {@code volume.json} beside {@code _data}. */
    public record VolumeInfo(String name, Path mountpoint, java.util.Map<String, String> labels, long createdMs) {
    }

    private record Metadata(java.util.Map<String, String> labels, long createdMs) {
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** {@code volume create}: idempotent, as Docker (an existing volume is returned as it is). */
    public synchronized VolumeInfo create(String name, java.util.Map<String, String> labels, long nowMs) throws SpecException {
        Optional<VolumeInfo> existing = inspect(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path volume = root.resolve(name);
        try {
            Files.createDirectories(volume);
            writeMetadata(name, new Metadata(java.util.Map.copyOf(labels), nowMs));
        } catch (IOException e) {
            throw new SpecException("cannot create volume " + name + ": " + e.getMessage());
        }
        mountSource(name, Optional.empty());
        return inspect(name).orElseThrow();
    }

    public synchronized List<VolumeInfo> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (var dirs = Files.list(root)) {
            return dirs.map(d -> d.getFileName().toString()).sorted()
                    .map(this::inspect).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public synchronized Optional<VolumeInfo> inspect(String name) {
        if (!name.matches(ContainerMounts.VOLUME_NAME)) {
            return Optional.empty();
        }
        Path data = dataDir(name);
        if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Metadata m = readMetadata(name);
        return Optional.of(new VolumeInfo(name, data, m.labels(), m.createdMs()));
    }

    /** Deletes the volume and its data; false when there was none. Callers check that no container uses it. */
    public synchronized boolean remove(String name) throws IOException {
        if (inspect(name).isEmpty()) {
            return false;
        }
        io.gantry.image.fs.FileTrees.delete(root.resolve(name));
        log.info("volume {} removed", name);
        return true;
    }

    /** Bytes used by the volume's files (for prune's reclaimed space). */
    public long sizeBytes(String name) {
        try (var files = Files.walk(dataDir(name))) {
            return files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private Metadata readMetadata(String name) {
        Path file = root.resolve(name).resolve("volume.json");
        try {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                Metadata m = JSON.readValue(file.toFile(), Metadata.class);
                return new Metadata(m.labels() == null ? java.util.Map.of() : m.labels(), m.createdMs());
            }
            // made by `-v NAME:/path` before volume.json existed: the directory's time stands in
            return new Metadata(java.util.Map.of(), Files.getLastModifiedTime(root.resolve(name)).toMillis());
        } catch (IOException e) {
            return new Metadata(java.util.Map.of(), 0);
        }
    }

    private void writeMetadata(String name, Metadata m) throws IOException {
        Path file = root.resolve(name).resolve("volume.json");
        Path tmp = file.resolveSibling("volume.json.tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            io.gantry.image.fs.FileTrees.delete(dir);
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Copies without following links; device nodes, fifos and sockets are skipped. */
    static void copyTree(Path from, Path to) throws IOException {
        copyAttributes(from, to);
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(from)) {
                    Path target = to.resolve(from.relativize(dir).toString());
                    Files.createDirectory(target);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                    lchown(file, target);
                } else if (attrs.isRegularFile()) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    copyAttributes(file, target);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                if (!dir.equals(from)) {
                    copyAttributes(dir, to.resolve(from.relativize(dir).toString()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyAttributes(Path from, Path to) throws IOException {
        lchown(from, to);
        // unix:mode keeps setuid/setgid/sticky, which POSIX permissions would drop.
        Files.setAttribute(to, "unix:mode", Files.getAttribute(from, "unix:mode", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
    }

    private static void lchown(Path from, Path to) throws IOException {
        for (String id : List.of("unix:uid", "unix:gid")) {
            Files.setAttribute(to, id, Files.getAttribute(from, id, LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
        }
    }
}
