package io.gantry.image.layer;

import io.gantry.image.fs.Libc;
import io.gantry.image.ImageException;
import io.gantry.image.build.Blob;
import io.gantry.image.build.LayerBuilder;
import io.gantry.image.content.Digests;
import io.gantry.image.registry.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerApplierTest {
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;
    Path layers;
    Path outside;

    @BeforeEach
    void setUp() throws IOException {
        layers = Files.createDirectories(temp.resolve("layers"));
        outside = Files.createDirectories(temp.resolve("outside"));
    }

    private Path unpack(LayerBuilder layer) throws ImageException, IOException {
        return unpack(layer, new LayerApplier(LayerLimits.DEFAULT));
    }

    private Path unpack(LayerBuilder layer, LayerApplier applier) throws ImageException, IOException {
        Blob blob = layer.gzipLayer();
        Path file = Files.write(temp.resolve("blob-" + System.nanoTime()), blob.bytes());
        return applier.unpack(file, blob.mediaType(), layer.diffId(), layers);
    }

    /** Unpacking must fail with a one-line message and leave nothing in the layers dir or outside. */
    private ImageException assertRefused(LayerBuilder layer, String messagePart) throws IOException {
        ImageException e = assertThrows(ImageException.class, () -> unpack(layer));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList(), "layers dir must be empty");
        }
        try (Stream<Path> left = Files.list(outside)) {
            assertEquals(List.of(), left.toList(), "nothing written outside");
        }
        return e;
    }

    private static boolean isWhiteout(Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        long rdev = (Long) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        return attributes.isOther() && (mode & 0170000) == Libc.S_IFCHR && rdev == 0;
    }

    private static boolean isOpaque(Path dir) throws IOException {
        return Libc.lgetxattr(dir, "trusted.overlay.opaque").map(v -> new String(v, StandardCharsets.US_ASCII).equals("y")).orElse(false);
    }

    @Test
    void unpacksFilesDirsLinksAndMetadataIntoDiffIdDirectory() throws Exception {
        TarArchiveEntry owned = LayerBuilder.entry("data/owned", TarConstants.LF_NORMAL);
        owned.setMode(0104750);
        owned.setSize(HELLO.length);
        owned.setIds(1234, 5678);
        LayerBuilder layer = new LayerBuilder()
                .dir("data", 0750)
                .add(owned, HELLO)
                .dir("tmp", 01777)
                .symlink("data/link", "/etc/passwd")
                .hardLink("data/hard", "data/owned")
                .file("deep/a/b/c.txt", 0644, HELLO);
        Path dir = unpack(layer);

        assertEquals(layers.resolve(Digests.hex(layer.diffId())), dir);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("data/owned")));
        assertEquals(04750, (Integer) Files.getAttribute(dir.resolve("data/owned"), "unix:mode") & 07777);
        assertEquals(1234, Files.getAttribute(dir.resolve("data/owned"), "unix:uid"));
        assertEquals(5678, Files.getAttribute(dir.resolve("data/owned"), "unix:gid"));
        assertEquals(0750, (Integer) Files.getAttribute(dir.resolve("data"), "unix:mode") & 07777);
        assertEquals(01777, (Integer) Files.getAttribute(dir.resolve("tmp"), "unix:mode") & 07777);
        assertEquals(LayerBuilder.FIXED_MTIME, Files.getLastModifiedTime(dir.resolve("data")));
        assertEquals(LayerBuilder.FIXED_MTIME, Files.getLastModifiedTime(dir.resolve("data/owned")));
        assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(dir.resolve("data/link")));
        assertEquals(Files.getAttribute(dir.resolve("data/owned"), "unix:ino"), Files.getAttribute(dir.resolve("data/hard"), "unix:ino"));
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("deep/a/b/c.txt")));
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(dir), left.toList(), "no scratch directory left");
        }
    }

    @Test
    void plainTarLayersWork() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("a", 0644, HELLO);
        Blob blob = layer.tarLayer();
        Path file = Files.write(temp.resolve("plain"), blob.bytes());
        Path dir = new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_TAR, layer.diffId(), layers);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("a")));
    }

    @Test
    void unpacksEachLayerOnlyOnce() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("a", 0644, HELLO);
        Path first = unpack(layer);
        Files.writeString(first.resolve("marker"), "kept");
        Path second = unpack(layer);
        assertEquals(first, second);
        assertTrue(Files.exists(second.resolve("marker")), "second unpack must reuse the directory");
    }

    @Test
    void whiteoutsBecomeCharacterDevicesAndOpaqueMarkersXattrs() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .dir("etc", 0755)
                .file("etc/.wh.motd", 0644, new byte[0])
                .file("etc/kept", 0644, HELLO)
                .file("var/.wh..wh..opq", 0644, new byte[0])
                .file("var/new", 0644, HELLO)
                .file(".wh.toplevel", 0644, new byte[0]);
        Path dir = unpack(layer);
        assertTrue(isWhiteout(dir.resolve("etc/motd")), "etc/motd is a 0/0 char device");
        assertFalse(Files.exists(dir.resolve("etc/.wh.motd"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(isWhiteout(dir.resolve("toplevel")));
        assertTrue(isOpaque(dir.resolve("var")), "var is opaque");
        assertFalse(isOpaque(dir.resolve("etc")));
        assertFalse(Files.exists(dir.resolve("var/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("var/new")));
    }

    @Test
    void opaqueMarkerAfterSiblingsStillKeepsThem() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .file("var/new", 0644, HELLO)
                .file("var/.wh..wh..opq", 0644, new byte[0]);
        Path dir = unpack(layer);
        assertTrue(isOpaque(dir.resolve("var")));
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("var/new")), "opaque never hides its own layer");
    }

    @Test
    void whiteoutNeverHidesAFileOfItsOwnLayer() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .file("a", 0644, HELLO)
                .file(".wh.a", 0644, new byte[0]);
        Path dir = unpack(layer);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("a")));
    }

    @Test
    void laterEntryReplacesWhiteoutAndDirectoryOverWhiteoutIsOpaque() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .file(".wh.file", 0644, new byte[0])
                .file("file", 0644, HELLO)
                .file(".wh.dir", 0644, new byte[0])
                .dir("dir", 0755);
        Path dir = unpack(layer);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("file")));
        assertTrue(Files.isDirectory(dir.resolve("dir"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(isOpaque(dir.resolve("dir")), "recreated dir hides the lower one");
    }

    @Test
    void entriesReplaceExistingNonDirectories() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .file("a", 0644, "old".getBytes(StandardCharsets.UTF_8))
                .file("a", 0600, HELLO)
                .symlink("b", "a")
                .file("b", 0644, HELLO)
                .file("c", 0644, HELLO)
                .dir("c", 0755)
                .file("c/inside", 0644, HELLO)
                .dir("d", 0755)
                .file("d/x", 0644, HELLO)
                .symlink("d", "c");
        Path dir = unpack(layer);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("a")));
        assertEquals(0600, (Integer) Files.getAttribute(dir.resolve("a"), "unix:mode") & 0777);
        assertTrue(Files.isRegularFile(dir.resolve("b"), LinkOption.NOFOLLOW_LINKS), "symlink b replaced by a file");
        assertTrue(Files.isDirectory(dir.resolve("c"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(dir.resolve("d")), "directory d replaced by a symlink");
    }

    @Test
    void fileDoesNotWriteThroughSymlinkItReplaces() throws Exception {
        Path victim = Files.writeString(outside.resolve("victim"), "safe");
        LayerBuilder layer = new LayerBuilder()
                .symlink("evil", victim.toString())
                .file("evil", 0644, HELLO);
        Path dir = unpack(layer);
        assertEquals("safe", Files.readString(victim));
        assertTrue(Files.isRegularFile(dir.resolve("evil"), LinkOption.NOFOLLOW_LINKS));
        Files.delete(victim);
    }

    /** A directory outside the layer with a subdirectory, whose metadata must survive any layer. */
    private record Victim(Path dir, Path sub, int dirMode, int subMode, FileTime dirMtime, FileTime subMtime) {
        static Victim create(Path parent, String subName) throws IOException {
            Path dir = Files.createDirectories(parent.resolve("victim"));
            Path sub = Files.createDirectories(dir.resolve(subName));
            Files.setAttribute(sub, "unix:mode", 0700);
            Files.setAttribute(dir, "unix:mode", 0700);
            FileTime old = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
            Files.setLastModifiedTime(sub, old);
            Files.setLastModifiedTime(dir, old);
            return new Victim(dir, sub, 0700, 0700, old, old);
        }

        void assertUntouched() throws IOException {
            assertEquals(dirMode, (Integer) Files.getAttribute(dir, "unix:mode") & 07777, "victim mode");
            assertEquals(subMode, (Integer) Files.getAttribute(sub, "unix:mode") & 07777, "victim subdir mode");
            assertEquals(dirMtime, Files.getLastModifiedTime(dir), "victim mtime");
            assertEquals(subMtime, Files.getLastModifiedTime(sub), "victim subdir mtime");
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(sub), left.toList(), "nothing written into the victim");
            }
            try (Stream<Path> left = Files.list(sub)) {
                assertEquals(List.of(), left.toList(), "nothing written into the victim subdir");
            }
        }
    }

    @Test
    void deferredDirMetadataDoesNotFollowParentReplacedBySymlink() throws Exception {
        Victim victim = Victim.create(outside, "etc");
        LayerBuilder layer = new LayerBuilder()
                .dir("x", 0755)
                .dir("x/etc", 0777)
                .symlink("x", victim.dir().toString());
        Path dir = unpack(layer);
        victim.assertUntouched();
        assertEquals(victim.dir(), Files.readSymbolicLink(dir.resolve("x")));
    }

    @Test
    void deferredDirMetadataDoesNotFollowGrandparentReplacedByRelativeSymlink() throws Exception {
        Victim victim = Victim.create(outside, "etc");
        LayerBuilder layer = new LayerBuilder()
                .dir("a", 0755)
                .dir("a/victim", 0777)
                .dir("a/victim/etc", 0777)
                .file("a/victim/etc/planted", 0644, HELLO)
                // Relative to the (scratch) layer dir inside layers/, this is the "outside" dir.
                .symlink("a", "../../outside")
                .dir("z", 0750);
        Path dir = unpack(layer);
        victim.assertUntouched();
        assertEquals(0750, (Integer) Files.getAttribute(dir.resolve("z"), "unix:mode") & 07777, "other dirs still get theirs");
    }

    @Test
    void devicesOtherThanWhiteoutsAreSkipped() throws Exception {
        TarArchiveEntry device = LayerBuilder.entry("dev/null", TarConstants.LF_CHR);
        device.setDevMajor(1);
        device.setDevMinor(3);
        device.setMode(020666);
        Path dir = unpack(new LayerBuilder().dir("dev", 0755).add(device, null).file("ok", 0644, HELLO));
        assertFalse(Files.exists(dir.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(dir.resolve("ok")));
    }

    @Test
    void absoluteNameIsRefused() throws Exception {
        assertRefused(new LayerBuilder().file("/etc/evil", 0644, HELLO), "absolute path");
    }

    @Test
    void dotDotNameIsRefused() throws Exception {
        assertRefused(new LayerBuilder().file("a/../../outside/evil", 0644, HELLO), "escapes the layer root");
        assertRefused(new LayerBuilder().file("../evil", 0644, HELLO), "escapes the layer root");
    }

    @Test
    void writeThroughAbsoluteSymlinkIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .symlink("a", outside.toString())
                .file("a/passwd", 0644, HELLO);
        assertRefused(layer, "goes through the symlink \"a\"");
    }

    @Test
    void writeThroughRelativeSymlinkIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .symlink("a", "../../..")
                .file("a/tmp/evil", 0644, HELLO);
        assertRefused(layer, "goes through the symlink");
    }

    @Test
    void symlinkInDirectoryPositionOfLaterDirEntryIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .symlink("a", outside.toString())
                .dir("a/sub", 0755);
        assertRefused(layer, "symlink");
    }

    @Test
    void whiteoutThroughSymlinkIsRefused() throws Exception {
        Files.writeString(outside.resolve("x"), "keep");
        LayerBuilder layer = new LayerBuilder()
                .symlink("a", outside.toString())
                .file("a/.wh.x", 0644, new byte[0]);
        ImageException e = assertThrows(ImageException.class, () -> unpack(layer));
        assertTrue(e.getMessage().contains("symlink"), e.getMessage());
        assertEquals("keep", Files.readString(outside.resolve("x")));
        Files.delete(outside.resolve("x"));
    }

    @Test
    void hardLinkOutsideTheLayerIsRefused() throws Exception {
        assertRefused(new LayerBuilder().hardLink("passwd", "/etc/passwd"), "absolute path");
        assertRefused(new LayerBuilder().hardLink("passwd", "../../../../etc/passwd"), "escapes the layer root");
        assertRefused(new LayerBuilder().hardLink("passwd", "etc/passwd"), "not in this layer");
    }

    @Test
    void hardLinkThroughSymlinkIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .symlink("etc", "/etc")
                .hardLink("passwd", "etc/passwd");
        assertRefused(layer, "symlink");
    }

    @Test
    void invalidWhiteoutNamesAreRefused() throws Exception {
        for (String name : List.of(".wh.", ".wh..", ".wh...", "dir/.wh..")) {
            assertRefused(new LayerBuilder().file(name, 0644, new byte[0]), "invalid whiteout");
        }
    }

    @Test
    void diffIdMismatchIsRefused() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("a", 0644, HELLO);
        Blob blob = layer.gzipLayer();
        Path file = Files.write(temp.resolve("blob"), blob.bytes());
        String wrong = Digests.sha256("something else".getBytes(StandardCharsets.UTF_8));
        ImageException e = assertThrows(ImageException.class,
                () -> new LayerApplier(LayerLimits.DEFAULT).unpack(file, blob.mediaType(), wrong, layers));
        assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void gzipBombIsStoppedByTheSizeCap() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("zeros", 0644, new byte[4 * 1024 * 1024]);
        ImageException e = assertThrows(ImageException.class,
                () -> unpack(layer, new LayerApplier(new LayerLimits(1024 * 1024, 1000))));
        assertTrue(e.getMessage().contains("larger than the limit"), e.getMessage());
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void entryCountIsCapped() throws Exception {
        LayerBuilder layer = new LayerBuilder();
        for (int i = 0; i < 20; i++) {
            layer.file("f" + i, 0644, new byte[0]);
        }
        ImageException e = assertThrows(ImageException.class,
                () -> unpack(layer, new LayerApplier(new LayerLimits(1024 * 1024, 10))));
        assertTrue(e.getMessage().contains("more than 10 entries"), e.getMessage());
    }

    @Test
    void garbageIsNotATar() throws Exception {
        Path file = Files.write(temp.resolve("garbage"), LayerBuilder.gzip("this is not a tar archive at all".repeat(40).getBytes()));
        ImageException e = assertThrows(ImageException.class,
                () -> new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_GZIP,
                        Digests.sha256(new byte[0]), layers));
        assertFalse(e.getMessage().contains("\n"));
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void zstdLayersUnpackLikeGzipOnes() throws Exception {
        LayerBuilder layer = new LayerBuilder().dir("etc", 0755).file("etc/hello", 0640, HELLO).symlink("link", "etc/hello");
        Blob blob = layer.zstdLayer();
        Path file = Files.write(temp.resolve("zstd-blob"), blob.bytes());
        Path dir = new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_ZSTD, layer.diffId(), layers);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("etc/hello")));
        assertEquals(Path.of("etc/hello"), Files.readSymbolicLink(dir.resolve("link")));
        // The Docker-manifest spelling of the media type is accepted too.
        Path other = Files.createDirectories(temp.resolve("other"));
        new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.DOCKER_LAYER_ZSTD, layer.diffId(), other);
        assertTrue(Files.isRegularFile(LayerApplier.layerDir(other, layer.diffId()).resolve("etc/hello")));
    }

    @Test
    void zstdBombIsStoppedByTheSizeCap() throws Exception {
        LayerBuilder layer = new LayerBuilder().file("zeros", 0644, new byte[4 * 1024 * 1024]);
        Blob blob = layer.zstdLayer();
        assertTrue(blob.bytes().length < 64 * 1024, "a real bomb: " + blob.bytes().length + " bytes");
        Path file = Files.write(temp.resolve("bomb.zst"), blob.bytes());
        ImageException e = assertThrows(ImageException.class,
                () -> new LayerApplier(new LayerLimits(1024 * 1024, 1000)).unpack(file, MediaTypes.OCI_LAYER_ZSTD, layer.diffId(), layers));
        assertTrue(e.getMessage().contains("larger than the limit of 1048576 uncompressed bytes"), e.getMessage());
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void malformedZstdIsRefusedInOneLine() throws Exception {
        byte[] good = new LayerBuilder().file("x", 0644, HELLO).zstdLayer().bytes();
        byte[] broken = java.util.Arrays.copyOf(good, good.length);
        for (int i = 12; i < broken.length; i++) {
            broken[i] ^= 0x5a;
        }
        for (byte[] bytes : List.of(new byte[] {1, 2, 3}, broken)) {
            Path file = Files.write(temp.resolve("z" + System.nanoTime()), bytes);
            ImageException e = assertThrows(ImageException.class,
                    () -> new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_ZSTD, Digests.sha256(new byte[0]), layers));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().startsWith("layer sha256:"), e.getMessage());
        }
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void hostileZstdLayersAreRefusedLikeGzipOnes() throws Exception {
        List<LayerBuilder> hostile = List.of(
                new LayerBuilder().file("../escape", 0644, HELLO),
                new LayerBuilder().file("/etc/evil", 0644, HELLO),
                new LayerBuilder().symlink("a", outside.toString()).file("a/pwned", 0644, HELLO),
                new LayerBuilder().symlink("a", "../../outside").file("a/pwned", 0644, HELLO),
                new LayerBuilder().hardLink("passwd", outside.resolve("x").toString()));
        for (LayerBuilder layer : hostile) {
            Path file = Files.write(temp.resolve("hostile-" + System.nanoTime() + ".zst"), layer.zstdLayer().bytes());
            ImageException e = assertThrows(ImageException.class,
                    () -> new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_ZSTD, layer.diffId(), layers));
            assertTrue(e.getMessage().contains("is unsafe"), e.getMessage());
        }
        try (Stream<Path> left = Files.list(layers)) {
            assertEquals(List.of(), left.toList(), "layers dir must be empty");
        }
        try (Stream<Path> left = Files.list(outside)) {
            assertEquals(List.of(), left.toList(), "nothing written outside");
        }
    }

    @Test
    void zstdFrameDeclaringAHugeWindowUnpacks() throws Exception {
        // The decoder grows its buffer with the data actually decoded, not the declared window
        // (checked by hand under -Xmx32m), so such a header alone cannot exhaust memory.
        // A hand-made frame declaring a 1 GiB window (window descriptor 0xA0: 2^(10+20)) around one raw block.
        byte[] tar = new LayerBuilder().file("x", 0644, HELLO).tar();
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        frame.write(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x00, (byte) 0xa0});
        int blockHeader = 1 | (tar.length << 3); // last block, raw
        frame.write(new byte[] {(byte) blockHeader, (byte) (blockHeader >> 8), (byte) (blockHeader >> 16)});
        frame.write(tar);
        Path file = Files.write(temp.resolve("huge-window.zst"), frame.toByteArray());
        Path dir = new LayerApplier(LayerLimits.DEFAULT).unpack(file, MediaTypes.OCI_LAYER_ZSTD, Digests.sha256(tar), layers);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("x")));
    }

    @Test
    void laterEntriesForTheSamePathWin() throws Exception {
        LayerBuilder layer = new LayerBuilder()
                .dir("c", 0700)
                .file("c", 0640, HELLO)
                .dir("a", 0700)
                .dir("a", 0751);
        Path dir = unpack(layer);
        assertTrue(Files.isRegularFile(dir.resolve("c"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0640, (Integer) Files.getAttribute(dir.resolve("c"), "unix:mode") & 07777, "dir metadata not applied to the file");
        assertEquals(0751, (Integer) Files.getAttribute(dir.resolve("a"), "unix:mode") & 07777);
    }

    @Test
    void rootEntryMetadataAppliesToLayerRoot() throws Exception {
        Path dir = unpack(new LayerBuilder().dir("./", 0711).file("./x", 0644, HELLO));
        assertEquals(0711, (Integer) Files.getAttribute(dir, "unix:mode") & 07777);
        assertArrayEquals(HELLO, Files.readAllBytes(dir.resolve("x")));
    }
}
