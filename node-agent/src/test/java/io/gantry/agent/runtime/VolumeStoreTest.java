package io.gantry.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.agent.spec.SpecException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStoreTest {
    @TempDir
    Path data;
    @TempDir
    Path image;

    @Test
    void firstUseCopiesTheImageContentKeepingOwnersModesAndLinks() throws Exception {
        Path dir = Files.createDirectories(image.resolve("sub"));
        Files.writeString(dir.resolve("f"), "x");
        Files.setAttribute(dir.resolve("f"), "unix:uid", 1234);
        Files.setAttribute(dir.resolve("f"), "unix:mode", 04750);
        Files.createSymbolicLink(image.resolve("out"), Path.of("/etc/passwd"));
        Files.setAttribute(image, "unix:mode", 0751);
        VolumeStore store = new VolumeStore(data);

        Path v = store.mountSource("v1", Optional.of(image));
        assertEquals(data.resolve("volumes/v1/_data"), v);
        assertEquals("x", Files.readString(v.resolve("sub/f")));
        assertEquals(1234, Files.getAttribute(v.resolve("sub/f"), "unix:uid"));
        assertEquals(04750, (int) Files.getAttribute(v.resolve("sub/f"), "unix:mode") & 07777);
        assertEquals(0751, (int) Files.getAttribute(v, "unix:mode") & 07777);
        assertTrue(Files.isSymbolicLink(v.resolve("out")), "links are copied as links, never followed");
        assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(v.resolve("out")));

        Files.writeString(dir.resolve("f"), "changed");
        assertEquals(v, store.mountSource("v1", Optional.of(image)));
        assertEquals("x", Files.readString(v.resolve("sub/f")), "filled on first use only");
        try (var s = Files.list(data.resolve("volumes/v1"))) {
            assertEquals(1, s.count(), "no staging left behind");
        }
    }

    @Test
    void emptyVolumeIsWorldReadableAndBadNamesAreRefused() throws Exception {
        VolumeStore store = new VolumeStore(data);
        Path v = store.mountSource("empty", Optional.empty());
        assertEquals(0755, (int) Files.getAttribute(v, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        assertThrows(SpecException.class, () -> store.mountSource("../x", Optional.empty()));
        assertFalse(Files.exists(data.resolve("x")));
    }
}
