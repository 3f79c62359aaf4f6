package io.gantry.agent.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of one container log: {@code ctr.log} (conmon writes it), {@code ctr.log.1} (the newest rotated
 * one) ... {@code ctr.log.N}, and {@code ctr.log.held}, a second hard link to the file conmon writes, so that
 * when conmon replaces {@code ctr.log} on its own size cap the old content survives until it is shifted in.
 */
public final class LogFiles {
    private LogFiles() {
    }

    public static Path rotated(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }

    public static Path held(Path log) {
        return log.resolveSibling(log.getFileName() + ".held");
    }

    /** The numbered rotated files that exist, oldest (highest number) first. */
    public static List<Path> rotatedOldestFirst(Path log) throws IOException {
        Pattern numbered = Pattern.compile(Pattern.quote(log.getFileName().toString()) + "\\.([1-9][0-9]{0,8})");
        if (!Files.isDirectory(log.getParent())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(log.getParent())) {
            return s.filter(p -> numbered.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt((Path p) -> number(log, p)).reversed())
                    .toList();
        } catch (NoSuchFileException e) {
            return List.of(); // removed meanwhile
        }
    }

    /** Every file of the log, for removal. */
    public static List<Path> all(Path log) throws IOException {
        List<Path> out = new java.util.ArrayList<>(rotatedOldestFirst(log));
        out.add(held(log));
        out.add(log);
        return out;
    }

    private static int number(Path log, Path p) {
        return Integer.parseInt(p.getFileName().toString().substring(log.getFileName().toString().length() + 1));
    }

    /** The file's identity (device and inode), null when it does not exist. */
    static Object key(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
