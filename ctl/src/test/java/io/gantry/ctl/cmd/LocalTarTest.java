package io.gantry.ctl.cmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.ctl.cli.CliException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cp's local unpacking: Docker's destination rules, and nothing written outside the destination. */
class LocalTarTest {
    @TempDir
    Path tmp;

    private static byte[] tar(Object... entries) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new TarArchiveOutputStream(bytes)) {
            for (int i = 0; i < entries.length; i += 2) {
                String name = (String) entries[i];
                Object body = entries[i + 1];
                TarArchiveEntry e;
                if (body == null) {
                    e = new TarArchiveEntry(name + "/");
                } else if (body instanceof Path link) {
                    e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(link.toString());
                } else {
                    byte[] data = ((String) body).getBytes(StandardCharsets.UTF_8);
                    e = new TarArchiveEntry(name);
                    e.setSize(data.length);
                    out.putArchiveEntry(e);
                    out.write(data);
                    out.closeArchiveEntry();
                    continue;
                }
                out.putArchiveEntry(e);
                out.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aFileBecomesTheDestinationNameOrGoesIntoAnExistingDirectory() throws Exception {
        LocalTar.extract(new ByteArrayInputStream(tar("hosts", "127.0.0.1 localhost\n")), tmp.resolve("h"));
        assertEquals("127.0.0.1 localhost\n", Files.readString(tmp.resolve("h")));
        Files.createDirectory(tmp.resolve("dir"));
        LocalTar.extract(new ByteArrayInputStream(tar("hosts", "x")), tmp.resolve("dir"));
        assertEquals("x", Files.readString(tmp.resolve("dir/hosts")));
    }

    @Test
    void aDirectoryIsCreatedOrCopiedIntoAnExistingOne() throws Exception {
        byte[] t = tar("etc", null, "etc/a", "A", "etc/sub", null, "etc/sub/b", "B");
        LocalTar.extract(new ByteArrayInputStream(t), tmp.resolve("copy"));
        assertEquals("B", Files.readString(tmp.resolve("copy/sub/b")));
        LocalTar.extract(new ByteArrayInputStream(t), tmp.resolve("copy"));
        assertEquals("A", Files.readString(tmp.resolve("copy/etc/a")), "an existing directory receives the tree inside");
    }

    @Test
    void hostileArchivesAreRefusedAndWriteNothingOutside() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path dest = Files.createDirectory(tmp.resolve("dest"));
        assertThrows(CliException.class, () -> LocalTar.extract(new ByteArrayInputStream(
                tar("d", null, "d/../../outside/x", "pwned")), dest));
        var e = assertThrows(CliException.class, () -> LocalTar.extract(new ByteArrayInputStream(
                tar("d", null, "d/link", outside, "d/link/x", "pwned", "d/link/deep/y", "pwned")), dest));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertThrows(CliException.class, () -> LocalTar.extract(new ByteArrayInputStream(
                tar("d", null, "other/x", "pwned")), dest));
        try (var files = Files.list(outside)) {
            assertEquals(0, files.count(), "nothing written outside");
        }
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void writeThenExtractRoundTripsATreeWithLinks() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(src.resolve("f"), "F");
        Files.createSymbolicLink(tmp.resolve("src/l"), Path.of("sub/f"));
        var bytes = new ByteArrayOutputStream();
        LocalTar.write(tmp.resolve("src"), "src", false, bytes);
        LocalTar.extract(new ByteArrayInputStream(bytes.toByteArray()), tmp.resolve("back"));
        assertEquals("F", Files.readString(tmp.resolve("back/sub/f")));
        assertTrue(Files.isSymbolicLink(tmp.resolve("back/l")));
    }
}
