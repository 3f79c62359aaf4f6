package io.gantry.agent.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gantry.proto.HealthCheck;
import io.gantry.proto.HealthStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probe loop with a fake probe and a real scheduler at short intervals. */
class HealthCheckerTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<HealthSnapshot> changes = new CopyOnWriteArrayList<>();
    private final AtomicInteger unhealthy = new AtomicInteger();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private HealthChecker checker(int retries, HealthProbe probe) {
        HealthCheckSpec spec = new HealthCheckSpec(List.of("check"), Duration.ofMillis(20), Duration.ofMillis(100), retries,
                Duration.ZERO, HealthCheck.OnFailure.NONE);
        Clock clock = Clock.systemUTC();
        return new HealthChecker(spec, new HealthMonitor(clock.instant(), spec.startPeriod(), retries), probe, clock, scheduler,
                Executors.newVirtualThreadPerTaskExecutor(), new HealthChecker.Listener() {
                    @Override
                    public void changed(HealthSnapshot snapshot) {
                        changes.add(snapshot);
                    }

                    @Override
                    public void becameUnhealthy(HealthSnapshot snapshot) {
                        unhealthy.incrementAndGet();
                    }
                });
    }

    @Test
    void passingProbeMakesItHealthyAndReportsOnlyChanges() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (HealthChecker c = checker(3, (argv, timeout) -> {
            runs.incrementAndGet();
            return new ProbeResult(0, "fine", false);
        })) {
            c.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 5);
            assertEquals(HealthStatus.HEALTHY, c.current().status());
            assertEquals(List.of(new HealthSnapshot(HealthStatus.HEALTHY, 0, "fine")), changes, "one report, not one per probe");
        }
    }

    @Test
    void failingProbeTurnsUnhealthyOnceAfterRetriesAndStopsWhenClosed() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        HealthChecker c = checker(3, (argv, timeout) -> new ProbeResult(1, "down " + runs.incrementAndGet(), false));
        c.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 6);
        c.close();
        int after = runs.get();
        assertEquals(HealthStatus.UNHEALTHY, c.current().status());
        assertEquals(1, unhealthy.get(), "the on-failure hook fires once, on the transition");
        assertEquals(List.of(1, 2, 3), changes.stream().limit(3).map(HealthSnapshot::failingStreak).toList());
        assertEquals(HealthStatus.UNHEALTHY, changes.get(2).status());
        Thread.sleep(200);
        assertEquals(after, runs.get(), "no probes after close");
    }
}
