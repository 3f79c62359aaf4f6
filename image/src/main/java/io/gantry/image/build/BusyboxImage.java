package io.gantry.image.build;

import io.gantry.image.ImageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A minimal single-layer image around a static busybox binary (for {@code gantry dev} and tests). */
public final class BusyboxImage {
    public static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    public static final List<String> CMD = List.of("sh");
    private static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n";
    private static final String GROUP = "root:x:0:\nnobody:x:65534:\n";

    private BusyboxImage() {
    }

    /** Builds the image; {@code busyboxBinary} must be a static busybox (it is run once with {@code --list}). */
    public static OciImage build(Path busyboxBinary) throws ImageException {
        byte[] binary;
        try {
            binary = Files.readAllBytes(busyboxBinary);
        } catch (IOException e) {
            throw new ImageException("cannot read busybox binary " + busyboxBinary + ": " + e.getMessage(), e);
        }
        TreeSet<String> applets = new TreeSet<>(listApplets(busyboxBinary));
        applets.add("sh");
        applets.remove("busybox");

        // Sorted by name so the tar (and so every digest) is reproducible; a directory sorts before its children.
        SortedMap<String, Consumer<LayerBuilder>> entries = new TreeMap<>();
        for (String dir : List.of("bin", "dev", "etc", "home", "proc", "root", "sys")) {
            entries.put(dir + "/", layer -> layer.dir(dir, 0755));
        }
        entries.put("tmp/", layer -> layer.dir("tmp", 01777));
        entries.put("bin/busybox", layer -> layer.file("bin/busybox", 0755, binary));
        for (String applet : applets) {
            entries.put("bin/" + applet, layer -> layer.symlink("bin/" + applet, "busybox"));
        }
        entries.put("etc/passwd", layer -> layer.file("etc/passwd", 0644, PASSWD.getBytes(StandardCharsets.UTF_8)));
        entries.put("etc/group", layer -> layer.file("etc/group", 0644, GROUP.getBytes(StandardCharsets.UTF_8)));
        LayerBuilder layer = new LayerBuilder();
        entries.values().forEach(add -> add.accept(layer));

        Blob config = OciImage.config(ENV, CMD, List.of(layer.diffId()));
        return OciImage.of(config, List.of(layer.gzipLayer()));
    }

    private static List<String> listApplets(Path busyboxBinary) throws ImageException {
        try {
            Process process = new ProcessBuilder(busyboxBinary.toString(), "--list")
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new ImageException(busyboxBinary + " --list failed");
            }
            return output.lines().map(String::strip)
                    .filter(name -> !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals(".."))
                    .toList();
        } catch (IOException e) {
            throw new ImageException("cannot run " + busyboxBinary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while running " + busyboxBinary, e);
        }
    }
}
