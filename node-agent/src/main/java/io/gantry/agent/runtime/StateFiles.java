package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and writes each container's {@code state.json}, so a restarted agent knows what it ran. */
final class StateFiles {
    private static final Logger log = LoggerFactory.getLogger(StateFiles.class);
    private final ObjectMapper json;

    StateFiles(ObjectMapper json) {
        this.json = json;
    }

    Container load(Path dataDir, Path dir) {
        Path file = dir.resolve("state.json");
        try {
            PersistedContainer pc = json.readValue(file.toFile(), PersistedContainer.class);
            Assignment a = Assignment.parseFrom(Base64.getDecoder().decode(pc.assignment()));
            Container c = new Container(ContainerPaths.of(dataDir, pc.id()), a);
            c.state = ContainerState.valueOf(pc.state());
            c.exitCode = pc.exitCode();
            c.reason = pc.reason();
            c.startedAtMs = pc.startedAtMs();
            c.finishedAtMs = pc.finishedAtMs();
            c.imageDigest = pc.imageDigest();
            c.oomKilled = pc.oomKilled();
            c.restartCount = pc.restartCount();
            c.userStopped = pc.userStopped();
            c.stopSignal = pc.stopSignal();
            c.layerDirs = pc.layerDirs() == null ? List.of() : pc.layerDirs().stream().map(Path::of).toList();
            c.cgroupsPath = pc.cgroupsPath();
            return c;
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring {}: unreadable state file: {}", dir, e.toString());
            return null;
        }
    }

    void save(Container c) {
        if (c.removed) {
            return;
        }
        PersistedContainer pc;
        synchronized (c) {
            pc = new PersistedContainer(c.id(), Base64.getEncoder().encodeToString(c.assignment.toByteArray()),
                    c.state.name(), c.exitCode, c.reason, c.startedAtMs, c.finishedAtMs, c.imageDigest,
                    c.oomKilled, c.restartCount, c.userStopped, c.stopSignal,
                    c.layerDirs.stream().map(Path::toString).toList(), c.cgroupsPath);
        }
        try {
            Path tmp = c.paths.stateFile().resolveSibling("state.json.tmp");
            json.writeValue(tmp.toFile(), pc);
            Files.move(tmp, c.paths.stateFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("container {}: cannot write state: {}", c.id(), e.getMessage());
        }
    }
}
