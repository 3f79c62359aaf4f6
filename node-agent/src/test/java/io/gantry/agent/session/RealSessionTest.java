package io.gantry.agent.session;

import static io.gantry.agent.RuntimeFixture.assignment;
import static io.gantry.agent.RuntimeFixture.newId;
import static org.awaitility.Awaitility.await;

import io.gantry.agent.RuntimeFixture;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.proto.ContainerState;
import io.gantry.proto.WorkloadSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Sessions against a real ContainerRuntime (runc, conmon, busybox; root) that must leave nothing behind. */
abstract class RealSessionTest {
    @TempDir
    Path tmp;
    RuntimeFixture fx;
    ContainerRuntime runtime;
    SessionProbe probe;

    @BeforeEach
    void startRuntime() throws Exception {
        fx = new RuntimeFixture(tmp);
        runtime = fx.newRuntime();
        probe = new SessionProbe(new NodeSessions(runtime, "node-1", CgroupUsageReader.host(), Clock.systemUTC(),
                NodeSessions.IMAGES_UNIMPLEMENTED));
    }

    @AfterEach
    void removeEverything() throws Exception {
        probe.router.cancelAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.router.active() == 0);
        runtime.removeAll();
        runtime.close();
        fx.assertClean();
    }

    String start(WorkloadSpec.Builder spec) {
        String id = newId();
        runtime.run(assignment(id, spec.build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.RUNNING);
        return id;
    }

    String runToEnd(WorkloadSpec.Builder spec) {
        String id = newId();
        runtime.run(assignment(id, spec.build()));
        await().atMost(Duration.ofSeconds(20)).until(() -> runtime.status(id).orElseThrow().getState() == ContainerState.EXITED);
        return id;
    }
}
