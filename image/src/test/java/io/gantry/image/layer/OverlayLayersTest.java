package io.gantry.image.layer;

import io.gantry.image.ImageConfig;
import io.gantry.image.ImageReference;
import io.gantry.image.OverlayMount;
import io.gantry.image.PulledImage;
import io.gantry.image.Snapshotter;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Mounts unpacked layers with the kernel's overlayfs to prove the whiteout/opaque form is what it expects (root only). */
class OverlayLayersTest {
    @TempDir
    Path temp;

    private Path unpack(LayerBuilder layer, Path layers) throws Exception {
        Blob blob = layer.gzipLayer();
        Path file = Files.write(temp.resolve("blob-" + System.nanoTime()), blob.bytes());
        return new LayerApplier(LayerLimits.DEFAULT).unpack(file, blob.mediaType(), layer.diffId(), layers);
    }

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
        return process.exitValue();
    }

    @Test
    void mergedViewHonoursWhiteoutsAndOpaqueDirs() throws Exception {
        byte[] data = "x\n".getBytes(StandardCharsets.UTF_8);
        Path layers = temp.resolve("layers");
        Path bottom = unpack(new LayerBuilder()
                .file("etc/motd", 0644, data).file("etc/keep", 0644, data)
                .file("var/cache/old1", 0644, data).file("var/cache/old2", 0644, data)
                .file("gone/inside", 0644, data), layers);
        Path top = unpack(new LayerBuilder()
                .file("etc/.wh.motd", 0644, new byte[0])
                .file("var/cache/.wh..wh..opq", 0644, new byte[0])
                .file("var/cache/new", 0644, data)
                .file(".wh.gone", 0644, new byte[0]), layers);
        ImageConfig config = new ImageConfig(List.of(), List.of(), List.of("sh"), "", "", Map.of(), "");
        PulledImage image = new PulledImage(new ImageReference("127.0.0.1:1", "t", "latest", null), "sha256:" + "0".repeat(64),
                config, List.of(bottom, top));
        OverlayMount mount = new Snapshotter().prepare("overlay-test", image, temp.resolve("container"));
        int status = run("mount", "-t", "overlay", "overlay", "-o", mount.options(), mount.target().toString());
        assumeTrue(status == 0, "overlayfs mount not possible here (needs root)");
        try {
            Path root = mount.target();
            assertFalse(Files.exists(root.resolve("etc/motd")), "whiteout hides etc/motd");
            assertTrue(Files.exists(root.resolve("etc/keep")));
            List<String> cache = new ArrayList<>();
            try (Stream<Path> list = Files.list(root.resolve("var/cache"))) {
                list.forEach(p -> cache.add(p.getFileName().toString()));
            }
            assertEquals(List.of("new"), cache, "opaque dir hides the lower entries");
            assertFalse(Files.exists(root.resolve("gone")), "whiteout hides a whole directory");
        } finally {
            assertEquals(0, run("umount", mount.target().toString()));
        }
    }
}
