package io.gantry.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a Prometheus file_sd target file (a JSON list of {"targets": [...], "labels": {...}}), atomically:
 * Prometheus watches the file and must never read a half-written one. The scheduler keeps it current with
 * the metrics addresses of itself and every agent.
 */
public final class FileSdWriter {
    /** Where the scheduler writes it by default; deploy/prometheus/prometheus.yml reads this path. */
    public static final Path DEFAULT_PATH = Path.of("/var/lib/gantry/prometheus/targets.json");

    /**
     * One group of targets sharing labels.
     *
     * @param targets HOST:PORT of each metrics endpoint
     * @param labels  extra labels (e.g. {@code component=agent}); must be valid Prometheus label names
     */
    public record TargetGroup(List<String> targets, Map<String, String> labels) {
        public TargetGroup {
            targets = List.copyOf(targets);
            labels = Map.copyOf(labels);
            for (String label : labels.keySet()) {
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || label.startsWith("__")) {
                    throw new IllegalArgumentException("invalid Prometheus label name '" + label + "'");
                }
            }
        }
    }

    private final Path file;
    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public FileSdWriter(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    /** Replaces the file's content with {@code groups} (creating parent directories). */
    public void write(List<TargetGroup> groups) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, mapper.writeValueAsBytes(groups));
            // createTempFile makes it 0600; Prometheus usually runs as its own user.
            if (Files.getFileAttributeView(tmp, PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
