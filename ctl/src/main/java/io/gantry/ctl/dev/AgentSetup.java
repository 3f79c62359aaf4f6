package io.gantry.ctl.dev;

import io.gantry.agent.AgentConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Builds an agent's configuration from the CLI's flags. */
public final class AgentSetup {
    private AgentSetup() {
    }

    public static AgentConfig config(List<String> schedulers, String nodeName, String advertise, Path dataDir,
                                     Map<String, String> labels, String defaultRegistry, String cgroupParent, Path runc) {
        AgentConfig d = AgentConfig.defaults(schedulers, nodeName, dataDir);
        return new AgentConfig(schedulers, nodeName, advertise, dataDir, labels, defaultRegistry,
                runc, d.conmonBinary(), runcRoot(dataDir), cgroupParent, d.defaultPidsLimit());
    }

    /**
     * runc's state lives on /run (gone at reboot, like the containers), one root per
     * agent data dir so that two agents on one machine never see each other's containers.
     */
    public static Path runcRoot(Path dataDir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return Path.of("/run/gantry/runc-" + HexFormat.of().formatHex(h, 0, 4));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
