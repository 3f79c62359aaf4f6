package io.gantry.scheduler;

import io.gantry.proto.AgentMessage;
import io.gantry.proto.Assignment;
import io.gantry.proto.ContainerState;
import io.gantry.proto.ContainerStatus;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A fake agent that behaves: what it is assigned runs at once (or fails to pull, for images named
 * "missing..."), stops and removals are confirmed, and it heartbeats. Containers it is no longer assigned
 * are dropped, as a real agent would.
 */
final class AutoAgent implements AutoCloseable {
    final FakeAgent fake;
    /** workload id -> placement version it runs. */
    final Map<String, Long> running = new ConcurrentHashMap<>();
    private final Thread loop;
    private volatile boolean stopped;

    AutoAgent(FakeAgent fake) {
        this.fake = fake;
        this.loop = Thread.ofPlatform().daemon().name("auto-" + fake.name).start(this::run);
    }

    private void run() {
        long lastBeat = 0;
        while (!stopped) {
            try {
                var m = fake.received.poll(50, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - lastBeat > TimeUnit.MILLISECONDS.toNanos(100)) {
                    fake.heartbeat();
                    lastBeat = System.nanoTime();
                }
                if (m != null && m.hasAssignments()) {
                    Set<String> assigned = ConcurrentHashMap.newKeySet();
                    for (Assignment a : m.getAssignments().getAssignmentsList()) {
                        assigned.add(a.getWorkloadId());
                        apply(a);
                    }
                    running.keySet().retainAll(assigned);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!stopped) {
                    System.err.println(fake.name + ": " + e);
                }
            }
        }
    }

    private void apply(Assignment a) {
        String id = a.getWorkloadId();
        long version = a.getPlacementVersion();
        var status = ContainerStatus.newBuilder().setWorkloadId(id).setPlacementVersion(version);
        switch (a.getDesired()) {
            case DESIRED_RUNNING -> {
                if (Long.valueOf(version).equals(running.get(id))) {
                    return;
                }
                if (a.getSpec().getImage().startsWith("missing")) {
                    status.setState(ContainerState.FAILED).setExitCode(125)
                            .setReason("pulling " + a.getSpec().getImage() + ": manifest unknown");
                } else {
                    status.setState(ContainerState.RUNNING).setStartedAtMs(System.currentTimeMillis());
                }
                running.put(id, version);
            }
            case DESIRED_STOPPED -> status.setState(ContainerState.EXITED).setExitCode(0);
            case DESIRED_REMOVED -> {
                running.remove(id);
                status.setState(ContainerState.REMOVED);
            }
            default -> {
                return;
            }
        }
        fake.send(AgentMessage.newBuilder().setStatus(status).build());
    }

    boolean runs(String id) {
        return running.containsKey(id);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        loop.join(2000);
        fake.close();
    }

}
