package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Flags;
import io.gantry.image.ImageException;
import io.gantry.image.ImageReference;
import io.gantry.proto.Resources;
import io.gantry.proto.WorkloadSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The flags that describe one container, shared by {@code run} and {@code service create}
 * (a service's template is the spec {@code run} would submit). Mixed in with {@code @Mixin}.
 */
public final class WorkloadFlags {
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone passes this shell's value)")
    List<String> env = new ArrayList<>();

    @Option(names = {"-m", "--memory"}, paramLabel = "BYTES", description = "Memory limit, e.g. 64m, 1g")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs, e.g. 0.5")
    String cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes (default: the node's, 4096)")
    Long pidsLimit;

    /** Null when not given: {@code run} defaults to no, {@code service create} to always. */
    @Option(names = "--restart", paramLabel = "POLICY", description = "no | on-failure[:max-retries] | always | unless-stopped (default: no; for a service: always)")
    String restart;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "User (name or uid) to run as")
    String user;

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Overwrite the image's entrypoint")
    String entrypoint;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Set metadata on the container")
    List<String> labels = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image, e.g. busybox or 127.0.0.1:5000/app:1.0")
    String image;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command and arguments")
    List<String> command = new ArrayList<>();

    /**
     * The spec these flags describe (no name). Throws IllegalArgumentException with a
     * one-line message on a bad value; {@code callerEnv} serves {@code -e KEY}.
     */
    WorkloadSpec.Builder toSpec(String defaultRestart, Map<String, String> callerEnv) {
        checkImage(image);
        Resources.Builder res = Resources.newBuilder();
        if (memory != null) {
            res.setMemoryBytes(Flags.memory("--memory", memory));
        }
        if (cpus != null) {
            res.setCpuMillis(Flags.cpuMillis(cpus));
        }
        if (pidsLimit != null) {
            res.setPidsLimit(Flags.pidsLimit(pidsLimit));
        }
        WorkloadSpec.Builder b = WorkloadSpec.newBuilder()
                .setImage(image)
                .addAllCommand(command)
                .setResources(res)
                .setRestart(Flags.restart(restart != null ? restart : defaultRestart));
        for (String e : env) {
            String kv = Flags.env(e, callerEnv);
            if (kv != null) {
                b.addEnv(kv);
            }
        }
        if (workdir != null) {
            b.setWorkingDir(workdir);
        }
        if (user != null) {
            b.setUser(user);
        }
        if (entrypoint != null) {
            b.addEntrypoint(entrypoint);
        }
        for (String label : labels) {
            Flags.putLabel(b.getMutableLabels(), label);
        }
        return b;
    }

    /** An image reference must at least parse; whether it exists is the agent's to find out. */
    static void checkImage(String image) {
        try {
            ImageReference.parse(image, "gantry.invalid");
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
