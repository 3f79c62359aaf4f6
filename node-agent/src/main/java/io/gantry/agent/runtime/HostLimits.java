package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host the agent runs on. */
public final class HostLimits {
    private HostLimits() {
    }

    /** The agent's own RLIMIT_NOFILE hard limit: containers never get more (runc fails if asked). */
    public static long nofileHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? 1_048_576 : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 1024;
    }

    public static long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }

    public static long cpuMillis() {
        return Runtime.getRuntime().availableProcessors() * 1000L;
    }
}
