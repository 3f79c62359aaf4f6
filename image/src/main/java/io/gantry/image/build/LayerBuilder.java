package io.gantry.image.build;

import io.gantry.image.content.Digests;
import io.gantry.image.registry.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a layer tar in memory, entries in the order added (callers wanting reproducible
 * layers add them sorted), with a fixed mtime and root ownership so equal input gives equal bytes.
 * Also used by tests to write hostile layers.
 */
public final class LayerBuilder {
    public static final FileTime FIXED_MTIME = FileTime.from(Instant.parse("2000-01-01T00:00:00Z"));

    private record Item(TarArchiveEntry entry, byte[] content) {
    }

    private final List<Item> items = new ArrayList<>();

    public LayerBuilder dir(String name, int mode) {
        TarArchiveEntry entry = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~0777 | mode);
        return add(entry, null);
    }

    public LayerBuilder file(String name, int mode, byte[] content) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL);
        entry.setMode(0100000 | mode);
        entry.setSize(content.length);
        return add(entry, content);
    }

    public LayerBuilder symlink(String name, String target) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        entry.setMode(0120777);
        return add(entry, null);
    }

    public LayerBuilder hardLink(String name, String target) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_LINK);
        entry.setLinkName(target);
        entry.setMode(0100644);
        return add(entry, null);
    }

    /** Any entry, e.g. a device node; {@code content} may be null. */
    public LayerBuilder add(TarArchiveEntry entry, byte[] content) {
        items.add(new Item(entry, content));
        return this;
    }

    public static TarArchiveEntry entry(String name, byte linkFlag) {
        TarArchiveEntry entry = new TarArchiveEntry(name, linkFlag, true);
        entry.setLastModifiedTime(FIXED_MTIME);
        entry.setIds(0, 0);
        entry.setUserName("");
        entry.setGroupName("");
        return entry;
    }

    /** The uncompressed tar. */
    public byte[] tar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Item item : items) {
                tar.putArchiveEntry(item.entry());
                if (item.content() != null) {
                    tar.write(item.content());
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The diff_id: sha256 of {@link #tar()}. */
    public String diffId() {
        return Digests.sha256(tar());
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(bytes)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The tar gzip-compressed, as an OCI layer blob. */
    public Blob gzipLayer() {
        return new Blob(MediaTypes.OCI_LAYER_GZIP, gzip(tar()));
    }

    /** The plain tar as an OCI layer blob. */
    /** {@code data} compressed as one zstd frame. */
    public static byte[] zstd(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (io.airlift.compress.v3.zstd.ZstdOutputStream zstd = new io.airlift.compress.v3.zstd.ZstdOutputStream(out)) {
            zstd.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public Blob zstdLayer() {
        return new Blob(io.gantry.image.registry.MediaTypes.OCI_LAYER_ZSTD, zstd(tar()));
    }

    public Blob tarLayer() {
        return new Blob(MediaTypes.OCI_LAYER_TAR, tar());
    }
}
