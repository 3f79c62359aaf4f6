package io.gantry.agent;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.RuntimeSettings;
import io.gantry.proto.ContainerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Started in its own JVM by a test that then kill -9s it: runs one container and waits forever.
 * Args: dataDir runcRoot cgroupParent imagesDir containerId.
 */
public final class AgentChildProcess {
    public static void main(String[] args) throws Exception {
        BusyboxImages images = new BusyboxImages(Files.createDirectories(Path.of(args[3])));
        ContainerRuntime runtime = new ContainerRuntime(new RuntimeSettings(Path.of(args[0]), Path.of("/usr/sbin/runc"),
                Path.of("/usr/bin/conmon"), Path.of(args[1]), args[2], 4096), images, Clock.systemUTC(), () -> "local", s -> { });
        String id = args[4];
        runtime.run(RuntimeFixture.assignment(id, RuntimeFixture.sh("echo from-child; sleep 100").build()));
        while (runtime.status(id).orElseThrow().getState() != ContainerState.RUNNING) {
            if (runtime.status(id).orElseThrow().getState() == ContainerState.FAILED) {
                System.out.println("FAILED " + runtime.status(id).orElseThrow().getReason());
                System.exit(1);
            }
            Thread.sleep(20);
        }
        System.out.println("RUNNING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
