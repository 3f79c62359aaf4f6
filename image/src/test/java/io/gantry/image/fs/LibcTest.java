package io.gantry.image.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mount/umount2 through FFM (needs root). */
class LibcTest {
    @TempDir
    Path tmp;

    @Test
    void mountsAndUnmountsOverlay() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.writeString(lower.resolve("hello"), "hi");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path target = Files.createDirectories(tmp.resolve("rootfs"));
        Libc.mount("overlay", target, "overlay", 0, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
        try {
            assertTrue(mounted(target));
            assertTrue(Files.readString(target.resolve("hello")).equals("hi"));
            Files.writeString(target.resolve("new"), "x");
            assertTrue(Files.exists(upper.resolve("new")));
        } finally {
            assertTrue(Libc.unmount(target));
        }
        assertFalse(mounted(target));
        assertFalse(Libc.unmount(target), "nothing mounted any more");
    }

    @Test
    void failuresCarryErrno() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("t"));
        IOException e = assertThrows(IOException.class, () -> Libc.mount("overlay", target, "overlay", 0,
                "lowerdir=" + tmp.resolve("nope") + ",upperdir=" + tmp + "/u,workdir=" + tmp + "/w"));
        assertTrue(e.getMessage().startsWith("cannot mount overlay on " + target + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("errno"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static boolean mounted(Path target) throws IOException {
        String point = " " + target.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(point));
    }
}
