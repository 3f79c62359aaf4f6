package io.gantry.ctl.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code up} started, written to {@code state.json} after every change so that
 * {@code down} (another process, maybe after a crash) knows what to stop.
 */
record ClusterState(String dataDir, int zookeepers, int schedulers, int nodes, String schedulerAddresses,
                    String registryAddress, Map<String, ProcessEntry> processes) {
    static final String FILE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One long-running process: how it was started (so it can be started again) and its pid. */
    record ProcessEntry(String name, String netns, long pid, List<String> command, String log) {
    }

    ClusterState {
        processes = new TreeMap<>(processes == null ? Map.of() : processes);
    }

    ClusterState with(ProcessEntry e) {
        Map<String, ProcessEntry> p = new TreeMap<>(processes);
        p.put(e.name(), e);
        return new ClusterState(dataDir, zookeepers, schedulers, nodes, schedulerAddresses, registryAddress, p);
    }

    void write(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static ClusterState read(Path stateDir) throws IOException {
        return JSON.readValue(stateDir.resolve(FILE).toFile(), ClusterState.class);
    }
}
