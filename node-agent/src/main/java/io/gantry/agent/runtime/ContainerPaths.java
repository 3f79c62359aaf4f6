package io.gantry.agent.runtime;

import java.nio.file.Path;

/** Where one container's files live: everything under {@code <dataDir>/containers/<id>/}. */
public record ContainerPaths(String id, Path dir) {
    public static ContainerPaths of(Path dataDir, String id) {
        return new ContainerPaths(id, dataDir.resolve("containers").resolve(id));
    }

    public Path bundle() { return dir.resolve("bundle"); }
    public Path config() { return bundle().resolve("config.json"); }
    public Path rootfs() { return bundle().resolve("rootfs"); }
    public Path upper() { return dir.resolve("upper"); }
    public Path work() { return dir.resolve("work"); }
    public Path log() { return dir.resolve("ctr.log"); }
    /** conmon's control fifo (reopen the log, resize the terminal), in the bundle dir. */
    public Path ctlFifo() { return bundle().resolve("ctl"); }
    public Path pidFile() { return dir.resolve("pid"); }
    public Path conmonPidFile() { return dir.resolve("conmon.pid"); }
    public Path syncFile() { return dir.resolve("sync"); }
    public Path conmonOutput() { return dir.resolve("conmon.out"); }
    public Path exitDir() { return dir.resolve("exit"); }
    /** conmon names the exit file after the container id. */
    public Path exitFile() { return exitDir().resolve(id); }
    public Path stateFile() { return dir.resolve("state.json"); }
}
