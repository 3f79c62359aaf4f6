package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads /proc/self/mountinfo. */
public final class Mounts {
    private Mounts() {
    }

    public static boolean isMounted(Path target) {
        String t = target.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(t)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Mount points at or below {@code dir}. */
    public static java.util.List<String> under(Path dir) {
        String d = dir.toAbsolutePath().normalize().toString();
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" "))
                    .filter(f -> f.length > 4)
                    .map(f -> unescape(f[4]))
                    .filter(m -> m.equals(d) || m.startsWith(d + "/"))
                    .toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
