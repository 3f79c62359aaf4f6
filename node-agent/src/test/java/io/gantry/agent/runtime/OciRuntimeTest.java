package io.gantry.agent.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runc invocations against a fake runc script. */
class OciRuntimeTest {
    @TempDir
    Path tmp;

    private OciRuntime withFakeRunc(String script, Duration timeout) throws IOException {
        Path runc = tmp.resolve("fake-runc");
        Files.writeString(runc, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(runc, PosixFilePermissions.fromString("rwx------"));
        return new OciRuntime(runc, Path.of("/usr/bin/conmon"), tmp.resolve("runc-root"), timeout);
    }

    @Test
    void hungRuncTimesOutAndIsKilled() throws Exception {
        Path pidFile = tmp.resolve("pid");
        OciRuntime oci = withFakeRunc("echo $$ > " + pidFile + "; exec sleep 60", Duration.ofSeconds(1));
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IOException.class, () -> oci.start("c1")));
        assertEquals("runc start timed out after 1 s", e.getMessage());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void failureOutputBecomesOneLineMessage() throws Exception {
        OciRuntime oci = withFakeRunc("echo 'time=\"2026-01-01T00:00:00Z\" level=error msg=\"boom \\\"x\\\"\"' >&2; exit 1",
                Duration.ofSeconds(10));
        IOException e = assertThrows(IOException.class, () -> oci.start("c1"));
        assertEquals("runc start failed: boom \"x\"", e.getMessage());
    }

    @Test
    void outputIsReturned() throws Exception {
        Files.createDirectories(tmp.resolve("runc-root/c1"));
        OciRuntime oci = withFakeRunc("echo '{\"status\": \"running\"}'", Duration.ofSeconds(10));
        assertEquals(Optional.of("running"), oci.status("c1"));
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("gantry-runc-state-")), "output file removed");
        }
    }
}
