package io.gantry.agent.runtime;

import java.util.List;

/** The JSON state file of one container ({@code state.json}); the assignment is the protobuf, base64. */
record PersistedContainer(String id, String assignment, String state, int exitCode, String reason,
                          long startedAtMs, long finishedAtMs, String imageDigest, boolean oomKilled,
                          int restartCount, boolean userStopped, String stopSignal, List<String> layerDirs,
                          String cgroupsPath) {
}
