package io.gantry.agent.runtime;

import java.nio.file.Path;

/** How the container runtime is set up on this node. */
public record RuntimeSettings(Path dataDir, Path runcBinary, Path conmonBinary, Path runcRoot,
                              String cgroupParent, long defaultPidsLimit) {
}
