package io.gantry.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotterTest {
    @TempDir
    Path temp;

    private static PulledImage image(List<Path> layers) {
        ImageConfig config = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "", Map.of(), "");
        return new PulledImage(new ImageReference("127.0.0.1:5000", "busybox", "latest", null), "sha256:" + "a".repeat(64), config, layers);
    }

    @Test
    void preparesUpperWorkAndRootfs() throws Exception {
        List<Path> layers = List.of(temp.resolve("l1"), temp.resolve("l2"));
        Path container = temp.resolve("containers/c1");
        OverlayMount mount = new Snapshotter().prepare("c1", image(layers), container);
        assertEquals(new OverlayMount(layers, container.resolve("upper"), container.resolve("work"), container.resolve("rootfs")), mount);
        assertTrue(Files.isDirectory(mount.upperDir()));
        assertTrue(Files.isDirectory(mount.workDir()));
        assertTrue(Files.isDirectory(mount.target()));
        assertEquals("lowerdir=" + temp.resolve("l2") + ":" + temp.resolve("l1") + ",upperdir=" + mount.upperDir()
                + ",workdir=" + mount.workDir(), mount.options());
        // Preparing again (agent restart) is fine.
        assertEquals(mount, new Snapshotter().prepare("c1", image(layers), container));
    }

    @Test
    void imageWithoutLayersGetsAnEmptyLowerDir() throws Exception {
        OverlayMount mount = new Snapshotter().prepare("c2", image(List.of()), temp.resolve("c2"));
        assertEquals(1, mount.lowerDirs().size());
        assertTrue(Files.isDirectory(mount.lowerDirs().getFirst()));
    }

    @Test
    void badContainerIdIsRejected() {
        ImageException e = assertThrows(ImageException.class, () -> new Snapshotter().prepare("../x", image(List.of()), temp));
        assertEquals("invalid container id \"../x\"", e.getMessage());
    }
}
