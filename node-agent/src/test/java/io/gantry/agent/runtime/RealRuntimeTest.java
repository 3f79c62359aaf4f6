package io.gantry.agent.runtime;

import io.gantry.agent.RuntimeFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests against a real ContainerRuntime (runc, conmon, a busybox rootfs; needs root) that must leave nothing behind. */
abstract class RealRuntimeTest {
    @TempDir
    Path tmp;
    RuntimeFixture fx;
    ContainerRuntime runtime;

    @BeforeEach
    void startRuntime() throws Exception {
        fx = new RuntimeFixture(tmp);
        runtime = fx.newRuntime();
    }

    @AfterEach
    void removeEverything() throws Exception {
        runtime.removeAll();
        runtime.close();
        fx.assertClean();
    }
}
