package io.gantry.agent.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The pure parts of cp, top and signal frames. */
class SessionPathsTest {
    @Test
    void tarNamesAreCleanedAndEscapesRefused() throws Exception {
        assertEquals("a/b", CopySession.safeName("./a//b/"));
        assertNull(CopySession.safeName("./"));
        assertThrows(SessionException.class, () -> CopySession.safeName("/etc/passwd"));
        assertThrows(SessionException.class, () -> CopySession.safeName("a/../../b"));
    }

    @Test
    void linksClimbingAboveTheRootAreRefused() {
        assertDoesNotThrow(() -> CopySession.checkLink("d/l", "../x", "/data"));
        assertDoesNotThrow(() -> CopySession.checkLink("l", "/", "/data"), "absolute targets resolve inside the root");
        assertThrows(SessionException.class, () -> CopySession.checkLink("l", "../../x", "/data"));
        assertThrows(SessionException.class, () -> CopySession.checkLink("d/l", "../../../..", "/data"));
    }

    @Test
    void containerPathsAreNormalizedLexically() {
        assertEquals("/", CopySession.normalize("/../.."));
        assertEquals("/etc/x", CopySession.normalize("etc/./y/../x/"));
    }

    @Test
    void ttyNumbersAndSignalNames() throws Exception {
        assertEquals("?", TopSession.tty(0));
        assertEquals("pts/0", TopSession.tty(136 << 8));
        assertEquals("pts/3", TopSession.tty((136 << 8) | 3));
        assertEquals(2, Signals.number("SIGINT"));
        assertEquals(15, Signals.number("term"));
        assertEquals(9, Signals.number("9"));
        SessionException bad = assertThrows(SessionException.class, () -> Signals.number("SIGFOO"));
        assertEquals("invalid signal: SIGFOO", bad.getMessage());
    }
}
