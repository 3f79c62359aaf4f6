package io.gantry.agent.session;

import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerView;
import io.gantry.agent.runtime.OciRuntime;
import io.gantry.proto.SessionFrame;
import io.gantry.proto.StatsOp;
import io.gantry.proto.StatsSample;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** {@code stats}: one sample per running container (the named one, or all on the node), once or every second. */
final class StatsSession implements SessionHandler {
    static final long INTERVAL_MILLIS = 1000;

    private final ContainerRuntime runtime;
    private final Optional<ContainerView> container;
    private final StatsOp op;
    private final ContainerUsageReader usage;
    private final String node;
    private final Clock clock;

    StatsSession(ContainerRuntime runtime, Optional<ContainerView> container, StatsOp op, ContainerUsageReader usage,
                 String node, Clock clock) {
        this.runtime = runtime;
        this.container = container;
        this.op = op;
        this.usage = usage;
        this.node = node;
        this.clock = clock;
    }

    @Override
    public int run(SessionContext session) throws Exception {
        if (container.isPresent() && !container.get().live() && !op.getStream()) {
            throw SessionException.precondition("container " + container.get().name() + " is not running");
        }
        while (true) {
            for (ContainerView c : targets()) {
                try {
                    session.send(SessionFrame.newBuilder().setStats(sample(c)));
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
            if (!op.getStream()) {
                return 0;
            }
            SessionFrame f = session.poll(INTERVAL_MILLIS);
            if (f != null && f.getCancel()) {
                throw new InterruptedException("cancelled");
            }
        }
    }

    private List<ContainerView> targets() {
        if (container.isPresent()) {
            return runtime.view(container.get().id()).filter(ContainerView::live).stream().toList();
        }
        return runtime.views().stream().filter(ContainerView::live).toList();
    }

    StatsSample sample(ContainerView c) throws IOException {
        long pid = OciRuntime.readPid(c.paths().pidFile()).orElse(0);
        ContainerUsageReader.Usage u = usage.read(c.cgroupsPath(), pid);
        long limit = u.memoryLimitBytes() > 0 ? u.memoryLimitBytes() : runtime.memoryBytes();
        return StatsSample.newBuilder()
                .setWorkloadId(c.id())
                .setName(c.name())
                .setNode(node)
                .setTimeNanos(clock.millis() * 1_000_000L)
                .setCpuUsageNanos(u.cpuNanos())
                .setSystemCpuNanos(CgroupUsageReader.systemCpuNanos())
                .setOnlineCpus(Runtime.getRuntime().availableProcessors())
                .setMemoryUsageBytes(u.memoryWorkingSetBytes())
                .setMemoryLimitBytes(limit)
                .setPids(u.pids())
                .setNetRxBytes(u.netRxBytes())
                .setNetTxBytes(u.netTxBytes())
                .setBlockReadBytes(u.blockReadBytes())
                .setBlockWriteBytes(u.blockWriteBytes())
                .build();
    }
}
