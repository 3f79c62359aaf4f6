package io.gantry.agent.spec;

import io.gantry.proto.Mount;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the workload's -v/--tmpfs/--mount entries into OCI mounts. Bind sources must be real paths
 * (no symlink anywhere in them); targets are resolved inside the rootfs the way the container would
 * see them, and a target that would leave the rootfs is refused. Mount points are created here,
 * before the container runs, without following any link.
 */
public final class ContainerMounts {
    private static final int MAX_LINKS = 40;
    public static final String VOLUME_NAME = "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}";

    /** One OCI mount entry. */
    public record OciMount(String destination, String type, String source, List<String> options) {
    }

    private ContainerMounts() {
    }

    public static List<OciMount> plan(List<Mount> mounts, Path rootfs, VolumeSource volumes, List<Path> protectedHostPaths)
            throws SpecException {
        Set<String> targets = new HashSet<>();
        List<OciMount> out = new ArrayList<>();
        for (Mount m : mounts) {
            String target = checkTarget(m.getTarget());
            if (!targets.add(target)) {
                throw new SpecException("duplicate mount point: " + target);
            }
            Path inRoot = resolveInRootfs(rootfs, target);
            String dest = "/" + rootfs.relativize(inRoot).toString();
            List<String> rw = List.of(m.getReadOnly() ? "ro" : "rw");
            switch (m.getType()) {
                case BIND -> {
                    Path source = checkBindSource(m.getSource());
                    for (Path p : protectedHostPaths) {
                        Path real = realOrSelf(p);
                        if (source.startsWith(real)) {
                            throw new SpecException("refusing bind source " + source + ": it holds the node agent's own state (" + real + ")");
                        }
                    }
                    createMountPoint(rootfs, inRoot, Files.isDirectory(source));
                    out.add(new OciMount(dest, "bind", source.toString(), concat(List.of("rbind", "rprivate"), rw)));
                }
                case VOLUME -> {
                    if (!m.getSource().matches(VOLUME_NAME)) {
                        throw new SpecException("invalid volume name \"" + Capabilities.printable(m.getSource())
                                + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
                    }
                    Optional<Path> content = Files.isDirectory(inRoot, LinkOption.NOFOLLOW_LINKS) ? Optional.of(inRoot) : Optional.empty();
                    Path source = volumes.mountSource(m.getSource(), content);
                    createMountPoint(rootfs, inRoot, true);
                    out.add(new OciMount(dest, "bind", source.toString(), concat(List.of("rbind", "rprivate"), rw)));
                }
                case TMPFS -> {
                    if (m.getTmpfsSizeBytes() < 0) {
                        throw new SpecException("invalid tmpfs size for " + target + ": must not be negative");
                    }
                    if (m.getTmpfsMode() > 07777) {
                        throw new SpecException("invalid tmpfs mode for " + target + ": " + Integer.toOctalString(m.getTmpfsMode()));
                    }
                    createMountPoint(rootfs, inRoot, true);
                    List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                    opts.addAll(rw);
                    opts.add("mode=" + Integer.toOctalString(m.getTmpfsMode() == 0 ? 01777 : m.getTmpfsMode()));
                    if (m.getTmpfsSizeBytes() > 0) {
                        opts.add("size=" + m.getTmpfsSizeBytes());
                    }
                    out.add(new OciMount(dest, "tmpfs", "tmpfs", opts));
                }
                default -> throw new SpecException("unsupported mount type " + m.getType() + " for " + target);
            }
        }
        // Parents before children, as Docker orders them.
        out.sort(Comparator.comparingInt(o -> o.destination().split("/").length));
        return out;
    }

    public static String checkTarget(String target) throws SpecException {
        if (!target.startsWith("/")) {
            throw new SpecException("invalid mount target \"" + Capabilities.printable(target) + "\": it must be an absolute path");
        }
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                throw new SpecException("invalid mount target \"" + Capabilities.printable(target) + "\": '..' is not allowed");
            }
        }
        String clean = Path.of(target).normalize().toString();
        if (clean.equals("/")) {
            throw new SpecException("invalid mount target \"/\": the root filesystem cannot be replaced");
        }
        if (target.indexOf('\0') >= 0 || target.contains(",")) {
            throw new SpecException("invalid mount target \"" + Capabilities.printable(target) + "\"");
        }
        return clean;
    }

    /** A bind source must exist and be its own real path: no symlink in it, no '..'. */
    static Path checkBindSource(String source) throws SpecException {
        if (!source.startsWith("/")) {
            throw new SpecException("invalid bind source \"" + Capabilities.printable(source) + "\": it must be an absolute host path");
        }
        Path p = Path.of(source);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new SpecException("bind source path does not exist: " + Capabilities.printable(source));
        }
        try {
            Path real = p.toRealPath();
            String given = source.length() > 1 && source.endsWith("/") ? source.substring(0, source.length() - 1) : source;
            if (!real.toString().equals(given)) {
                throw new SpecException("refusing bind source " + Capabilities.printable(source)
                        + ": it is or goes through a symlink (real path " + real + ")");
            }
            return real;
        } catch (IOException e) {
            throw new SpecException("bind source path " + Capabilities.printable(source) + " cannot be resolved: " + e.getMessage());
        }
    }

    /**
     * The host path of {@code target} inside {@code rootfs}, following the image's symlinks as the
     * container would (absolute links start over at the rootfs). A link that climbs above the root
     * is refused rather than clamped: it can only be an attempt to escape.
     */
    public static Path resolveInRootfs(Path rootfs, String target) throws SpecException {
        Deque<String> todo = new ArrayDeque<>(parts(target));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (done.isEmpty()) {
                    throw new SpecException("mount target " + target + " leads outside the container's root filesystem (through a symlink in the image)");
                }
                done.removeLast();
                continue;
            }
            Path candidate = join(rootfs, done).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new SpecException("mount target " + target + ": too many levels of symbolic links");
                }
                String link;
                try {
                    link = Files.readSymbolicLink(candidate).toString();
                } catch (IOException e) {
                    throw new SpecException("mount target " + target + ": cannot read link: " + e.getMessage());
                }
                List<String> linkParts = parts(link);
                for (int i = linkParts.size() - 1; i >= 0; i--) {
                    todo.addFirst(linkParts.get(i));
                }
                if (link.startsWith("/")) {
                    done.clear();
                }
                continue;
            }
            done.add(part);
        }
        return join(rootfs, done);
    }

    /** Creates the missing directories (and the final file for a file bind) below rootfs; nothing is followed. */
    static void createMountPoint(Path rootfs, Path inRoot, boolean directory) throws SpecException {
        Path current = rootfs;
        Path rel = rootfs.relativize(inRoot);
        try {
            for (int i = 0; i < rel.getNameCount(); i++) {
                current = current.resolve(rel.getName(i));
                boolean last = i == rel.getNameCount() - 1;
                if (Files.isSymbolicLink(current)) {
                    throw new SpecException("mount point " + inRoot + " changed while being prepared");
                }
                if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    if (last && !directory) {
                        Files.createFile(current);
                    } else {
                        Files.createDirectory(current);
                    }
                } catch (FileAlreadyExistsException raced) {
                    // made meanwhile: checked again on the next component
                }
            }
        } catch (IOException e) {
            throw new SpecException("cannot create mount point /" + rel + ": " + e.getMessage());
        }
    }

    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static List<String> parts(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
