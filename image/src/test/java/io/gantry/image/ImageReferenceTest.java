package io.gantry.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageReferenceTest {
    private static final String DEFAULT = "127.0.0.1:5000";
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void unqualifiedNameGoesToDefaultRegistryWithLatest() throws Exception {
        ImageReference ref = ImageReference.parse("busybox", DEFAULT);
        assertEquals(new ImageReference(DEFAULT, "busybox", "latest", null), ref);
        assertEquals("127.0.0.1:5000/busybox:latest", ref.canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "busybox:1.36|127.0.0.1:5000|busybox|1.36|-",
            "team/app|127.0.0.1:5000|team/app|latest|-",
            "registry.example.com/team/app:v2|registry.example.com|team/app|v2|-",
            "localhost/app|localhost|app|latest|-",
            "localhost:5000/a/b/c:tag_1.0-x|localhost:5000|a/b/c|tag_1.0-x|-",
            "127.0.0.1:5999/nope|127.0.0.1:5999|nope|latest|-",
            "[::1]:5000/app:1|[::1]:5000|app|1|-",
            "team/a.b-c__d|127.0.0.1:5000|team/a.b-c__d|latest|-",
            "my-app---x|127.0.0.1:5000|my-app---x|latest|-",
    })
    void parsesValidReferences(String text, String registry, String repository, String tag, String digest) throws Exception {
        assertEquals(new ImageReference(registry, repository, tag, digest), ImageReference.parse(text, DEFAULT));
    }

    @Test
    void digestOnlyHasNoTag() throws Exception {
        ImageReference ref = ImageReference.parse("app@" + DIGEST, DEFAULT);
        assertNull(ref.tag());
        assertEquals(DIGEST, ref.digest());
        assertEquals(DEFAULT + "/app@" + DIGEST, ref.canonical());
        assertEquals(DIGEST, ref.manifestReference());
    }

    @Test
    void tagAndDigestAreBothKept() throws Exception {
        ImageReference ref = ImageReference.parse("host.io/app:1.0@" + DIGEST, DEFAULT);
        assertEquals(new ImageReference("host.io", "app", "1.0", DIGEST), ref);
        assertEquals("host.io/app:1.0@" + DIGEST, ref.canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Bad:Ref|invalid image reference \"Bad:Ref\": repository name must be lowercase",
            "team/App|repository name must be lowercase",
            "''|empty reference",
            "app:|invalid tag",
            "app:-bad|invalid tag",
            "app@sha256:123|digest must be",
            "app@md5:0123456789abcdef0123456789abcdef|digest must be",
            "/app|invalid repository name component",
            "app/|invalid repository name component",
            "a//b|invalid repository name component",
            "app_|invalid repository name component",
            "-app|invalid repository name component",
            "app..x|invalid repository name component",
            "host.io/|repository name is empty",
            "ex ample|invalid repository name component",
            "bad_host:5000/app|invalid registry",
    })
    void rejectsBadReferencesWithOneLine(String text, String message) {
        ImageException e = assertThrows(ImageException.class, () -> ImageReference.parse(text, DEFAULT));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid image reference \""), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void tooLongTagAndNameAreRejected() {
        assertThrows(ImageException.class, () -> ImageReference.parse("app:" + "t".repeat(129), DEFAULT));
        assertThrows(ImageException.class, () -> ImageReference.parse("a".repeat(256), DEFAULT));
    }

    @Test
    void noDefaultRegistryIsAnError() {
        ImageException e = assertThrows(ImageException.class, () -> ImageReference.parse("busybox", null));
        assertTrue(e.getMessage().contains("no default registry"), e.getMessage());
    }
}
