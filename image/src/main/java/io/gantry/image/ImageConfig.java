package io.gantry.image;

import java.util.List;
import java.util.Map;

/** The parts of an OCI image config that decide how a container runs. Lists are never null. */
public record ImageConfig(
        List<String> env,
        List<String> entrypoint,
        List<String> cmd,
        String workingDir,
        String user,
        Map<String, String> labels,
        String stopSignal) {
}
