package io.gantry.agent.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a probe with {@code runc exec}, with the container's own process settings (user, env, cwd,
 * capabilities, no-new-privileges, rlimits, from the bundle's config.json) and only the command swapped.
 * On timeout the probe and whatever it started are killed. Keeps the first 4 KiB of its output, as Docker does.
 */
public final class RuncHealthProbe implements HealthProbe {
    private final ObjectMapper json = new ObjectMapper();
    private final Path runc;
    private final Path runcRoot;
    private final String containerId;
    private final Path bundleConfig;
    private final Path workDir;

    /**
     * @param bundleConfig the container's OCI config.json
     * @param workDir      a directory of the container's own for the probe's process.json, pid and output files
     */
    public RuncHealthProbe(Path runc, Path runcRoot, String containerId, Path bundleConfig, Path workDir) {
        this.runc = runc;
        this.runcRoot = runcRoot;
        this.containerId = containerId;
        this.bundleConfig = bundleConfig;
        this.workDir = workDir;
    }

    @Override
    public ProbeResult run(List<String> argv, Duration timeout) throws InterruptedException {
        Path process = workDir.resolve("health-process.json");
        Path pidFile = workDir.resolve("health.pid");
        Path output = workDir.resolve("health.out");
        try {
            writeProcess(argv, process);
            Files.deleteIfExists(pidFile);
            Process p = new ProcessBuilder(runc.toString(), "--root", runcRoot.toString(), "exec",
                    "--process", process.toString(), "--pid-file", pidFile.toString(), containerId)
                    .redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true)
                    // a file, not a pipe: a probe leaving a child behind would keep a pipe open forever
                    .redirectOutput(output.toFile())
                    .start();
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                killProbe(pidFile, p);
                throw e;
            }
            if (!done) {
                killProbe(pidFile, p);
                return ProbeResult.timeout(timeout.toMillis(), read(output));
            }
            return new ProbeResult(p.exitValue(), read(output), false);
        } catch (IOException e) {
            return new ProbeResult(-1, "cannot run the health check: " + e.getMessage(), false);
        } finally {
            deleteQuietly(process);
            deleteQuietly(pidFile);
            deleteQuietly(output);
        }
    }

    private void writeProcess(List<String> argv, Path target) throws IOException {
        JsonNode config = json.readTree(bundleConfig.toFile());
        if (!config.path("process").isObject()) {
            throw new IOException("the container's OCI spec has no process");
        }
        ObjectNode process = ((ObjectNode) config.get("process")).deepCopy();
        process.putArray("args").addAll(argv.stream().map(process::textNode).toList());
        process.put("terminal", false);
        process.remove("consoleSize");
        json.writeValue(target.toFile(), process);
    }

    /** SIGKILL to the probe (its host pid from runc's pid file) and its descendants, then to runc exec itself. */
    private static void killProbe(Path pidFile, Process runcExec) throws InterruptedException {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        } catch (IOException | NumberFormatException e) {
            // not started yet, or already gone
        }
        runcExec.destroyForcibly();
        runcExec.waitFor(5, TimeUnit.SECONDS);
    }

    private static String read(Path output) {
        try (InputStream in = Files.newInputStream(output)) {
            byte[] head = in.readNBytes(ProbeResult.MAX_OUTPUT_BYTES);
            return new String(head, StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
