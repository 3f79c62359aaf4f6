package io.gantry.agent;

import io.gantry.image.ImageConfig;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.image.ImageService;
import io.gantry.image.PulledImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake ImageService: every image is a single layer holding /bin/busybox (busybox-static) with
 * its applets, /etc/passwd and /etc/group. "missing..." images fail like a registry would.
 */
public final class BusyboxImages implements ImageService {
    public static final String DIGEST = "sha256:" + "ab".repeat(32);
    private final Path layer;
    public final AtomicInteger pulls = new AtomicInteger();
    public volatile ImageConfig config = new ImageConfig(
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            List.of(), List.of("sh"), "", "", Map.of(), "");

    public BusyboxImages(Path dir) throws IOException {
        this.layer = dir.resolve("layer");
        Path bin = Files.createDirectories(layer.resolve("bin"));
        Files.createDirectories(layer.resolve("etc"));
        Files.createDirectories(layer.resolve("tmp"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        try {
            Process p = new ProcessBuilder("/bin/busybox", "--list").start();
            String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            for (String applet : list.split("\\s+")) {
                if (!applet.isBlank() && !applet.equals("busybox")) {
                    Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
                }
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        Files.writeString(layer.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(layer.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\n");
    }

    public Path layer() {
        return layer;
    }

    @Override
    public PulledImage pull(ImageReference reference, PullListener listener) throws ImageException {
        pulls.incrementAndGet();
        if (reference.repository().startsWith("missing")) {
            throw new ImageException("manifest unknown: " + reference.repository() + ":" + reference.tag() + " not found in " + reference.registry());
        }
        return new PulledImage(reference, DIGEST, config, List.of(layer));
    }
}
