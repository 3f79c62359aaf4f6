package io.gantry.scheduler;

import io.gantry.proto.LeaderTrailer;
import io.gantry.scheduler.core.SchedulerCore;
import io.gantry.scheduler.core.SeededIdGenerator;
import io.gantry.scheduler.grpc.AgentLinkService;
import io.gantry.scheduler.grpc.ControlService;
import io.gantry.scheduler.grpc.LeaderGate;
import io.gantry.scheduler.grpc.LeaderView;
import io.gantry.scheduler.placement.Placer;
import io.gantry.scheduler.state.FencedStore;
import io.gantry.scheduler.state.StateLayout;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduler process: serves Control and AgentLink over gRPC, takes part in the leader election and, while
 * it leads, runs a {@link SchedulerCore}. Followers answer every call with a redirect to the leader.
 */
public final class SchedulerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerServer.class);
    static final Duration DEFAULT_MONITOR_INTERVAL = Duration.ofSeconds(1);
    /** How long a starting scheduler waits for ZooKeeper before it gives up with an error. */
    static final Duration ZK_CONNECT_WAIT = Duration.ofSeconds(5);

    private final SchedulerConfig config;
    private final Clock clock;
    private final Duration monitorInterval;
    private final StateLayout layout;
    private final AtomicReference<SchedulerCore> current = new AtomicReference<>();
    /** Installing a term and ending one are exclusive, so a step-down can never slip in before an install. */
    private final Object termLock = new Object();
    /** Keeps the Prometheus targets file while leading (--prometheus-sd-file). */
    private final java.util.concurrent.ScheduledExecutorService sdTimer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gantry-prometheus-sd").factory());
    private final ExecutorService leadership =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("gantry-leadership").factory());
    private EmbeddedZooKeeper embeddedZk;
    private String zkConnect;
    private Server grpc;
    private String address;
    private String advertise;
    private CuratorFramework curator;
    private volatile LeaderLatch latch;
    private volatile boolean closing;
    private io.gantry.telemetry.TelemetryRegistry telemetry;
    private io.gantry.telemetry.SchedulerMetrics metrics;
    private io.gantry.telemetry.TelemetryServer http;

    private SchedulerServer(SchedulerConfig config, Clock clock, Duration monitorInterval, StateLayout layout) {
        this.config = config;
        this.clock = clock;
        this.monitorInterval = monitorInterval;
        this.layout = layout;
    }

    /** Starts serving gRPC and joins the election; returns without waiting to become leader. */
    public static SchedulerServer start(SchedulerConfig config, Clock clock) throws Exception {
        return start(config, clock, DEFAULT_MONITOR_INTERVAL, new StateLayout(StateLayout.DEFAULT_ROOT));
    }

    static SchedulerServer start(SchedulerConfig config, Clock clock, Duration monitorInterval, StateLayout layout)
            throws Exception {
        var server = new SchedulerServer(config, clock, monitorInterval, layout);
        try {
            server.boot();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void boot() throws Exception {
        zkConnect = config.zkConnect();
        if (zkConnect == null) {
            embeddedZk = EmbeddedZooKeeper.start(config.dataDir().resolve("zookeeper"), "127.0.0.1", 0);
            zkConnect = embeddedZk.connectString();
        }
        var view = new View();
        var gate = new LeaderGate(view);
        telemetry = io.gantry.telemetry.TelemetryRegistry.create("scheduler", config.advertiseAddress() != null
                ? config.advertiseAddress() : config.listenHost() + ":" + config.listenPort());
        metrics = new io.gantry.telemetry.SchedulerMetrics(telemetry.registry());
        var counted = metrics.grpcServerInterceptor();
        try {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenHost(), config.listenPort()))
                    .addService(ServerInterceptors.intercept(new ControlService(view), gate, counted))
                    .addService(ServerInterceptors.intercept(new AgentLinkService(view), gate, counted))
                    .build().start();
        } catch (IOException e) {
            throw new IOException("cannot listen on " + config.listenHost() + ":" + config.listenPort() + ": "
                    + rootMessage(e), e);
        }
        String host = config.listenHost().contains(":") ? "[" + config.listenHost() + "]" : config.listenHost();
        address = host + ":" + grpc.getPort();
        advertise = config.advertiseAddress() != null ? config.advertiseAddress() : address;
        int session = (int) config.zkSessionTimeout().toMillis();
        curator = CuratorFrameworkFactory.builder().connectString(zkConnect).sessionTimeoutMs(session)
                .connectionTimeoutMs(Math.max(1_000, session)).retryPolicy(new ExponentialBackoffRetry(250, 10, 5_000)).build();
        curator.getConnectionStateListenable().addListener((client, state) -> {
            if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
                // Curator's event thread must not wait for a core busy retrying a write: close it aside.
                var old = takeCurrent();
                if (old != null) {
                    log.info("{} stops leading: ZooKeeper connection {}", advertise, state);
                    Thread.ofVirtual().name("gantry-stepdown").start(old::close);
                }
            }
        });
        curator.start();
        if (!curator.blockUntilConnected((int) ZK_CONNECT_WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IOException("cannot reach ZooKeeper at " + zkConnect + " within " + ZK_CONNECT_WAIT.toSeconds() + " s");
        }
        startLatch();
        if (!config.metricsListen().isEmpty()) {
            http = io.gantry.telemetry.TelemetryServer.builder(telemetry.registry()).bind(config.metricsListen())
                    .readiness(this::readiness).statusPage(this::status).start();
            log.info("metrics, health and the status page on http://{}", metricsAddress().orElseThrow());
        }
        if (config.prometheusSdFile() != null) {
            var targets = new PrometheusTargets(config.prometheusSdFile());
            sdTimer.scheduleWithFixedDelay(() -> {
                var core = current.get();
                if (core != null && !core.isClosed()) {
                    targets.update(PrometheusTargets.groups(metricsAddress().orElse(""), advertise, core.listNodes()));
                }
            }, 0, 2, TimeUnit.SECONDS);
        }
        log.info("scheduler serving on {} (advertised as {}), ZooKeeper {}", address, advertise, zkConnect);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private void startLatch() {
        var l = new LeaderLatch(curator, layout.leaderLatch(), advertise);
        l.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                leadership.execute(() -> takeOver(l));
            }

            @Override
            public void notLeader() {
                if (latch == l) {
                    stepDown("lost the leader latch");
                }
            }
        });
        latch = l;
        try {
            l.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot join the leader election: " + e.getMessage(), e);
        }
    }

    private void takeOver(LeaderLatch l) {
        if (closing || latch != l || !l.hasLeadership()) {
            return;
        }
        try {
            var store = FencedStore.takeOver(curator, layout);
            var state = store.load();
            var settings = new SchedulerCore.Settings(config.heartbeatTimeout(), monitorInterval,
                    config.defaultRegistry(), config.seed(), config.nodeSubnetPool(), config.networkSubnetPool());
            var core = new SchedulerCore(store, state, clock, settings, Placer.standard(),
                    new SeededIdGenerator(config.seed() * 31 + store.epoch()), this::fencedOut, metrics);
            if (!install(core, l)) {
                core.close();
                return;
            }
            core.start(); // only once current: a fenced write must find its core current to step down
            log.info("{} is now the leader (epoch {}, {} workloads, {} nodes)", advertise, store.epoch(),
                    state.workloads().size(), state.nodes().size());
        } catch (RuntimeException e) {
            log.warn("taking over leadership failed: {}; rejoining the election", e.getMessage());
            rejoin();
        }
    }

    /**
     * Makes {@code core} current unless leadership is gone. The check runs under the same lock as every step-down
     * and after the core is in place, so a notLeader/SUSPENDED that fires meanwhile either sees the new core and
     * closes it, or has already flipped the latch and the core is taken back out here.
     */
    private boolean install(SchedulerCore core, LeaderLatch l) {
        SchedulerCore old;
        boolean installed;
        synchronized (termLock) {
            old = current.getAndSet(core);
            installed = !closing && latch == l && l.hasLeadership();
            if (!installed) {
                current.set(null);
            }
        }
        if (old != null) {
            old.close();
        }
        return installed;
    }

    private SchedulerCore takeCurrent() {
        synchronized (termLock) {
            return current.getAndSet(null);
        }
    }

    private void stepDown(String why) {
        var old = takeCurrent();
        if (old != null) {
            log.info("{} stops leading: {}", advertise, why);
            old.close();
        }
    }

    /**
     * A write of {@code core} hit a moved epoch. Only if that core is still the current term do we step down and
     * rejoin: a stale core (already closed, but with a write in flight) must not end the rightful current term.
     */
    void fencedOut(SchedulerCore core) {
        if (!current.compareAndSet(core, null)) {
            log.debug("{} ignores a fenced-out write of an ended term (epoch {})", advertise, core.epoch());
            return;
        }
        log.info("{} stops leading: another scheduler moved the epoch (fenced out)", advertise);
        core.close();
        leadership.execute(this::rejoin);
    }

    /** The term in charge now, if any (for tests and diagnostics). */
    Optional<SchedulerCore> currentCore() {
        return Optional.ofNullable(current.get());
    }

    /** Gives up the latch and queues up again, so a newer leader (or a fresh term of ours) takes over. */
    private void rejoin() {
        if (closing) {
            return;
        }
        var old = latch;
        latch = null;
        stepDown("rejoining the election");
        if (old != null) {
            try {
                old.close();
            } catch (IOException | RuntimeException e) {
                log.debug("closing the old latch: {}", e.toString());
            }
        }
        if (!closing) {
            startLatch();
        }
    }

    /** host:port actually bound. */
    public String address() {
        return address;
    }

    /** What followers name as the leader when this one leads. */
    public String advertiseAddress() {
        return advertise;
    }

    /** The ZooKeeper connect string in use (the embedded one's when {@code zkConnect} was null). */
    public String zkConnectString() {
        return zkConnect;
    }

    public boolean isLeader() {
        return current.get() != null;
    }

    /** Ready when connected to ZooKeeper and some scheduler (this one or another) leads. */
    private io.gantry.telemetry.Readiness readiness() {
        if (curator == null || !curator.getZookeeperClient().isConnected()) {
            return io.gantry.telemetry.Readiness.notReady("not connected to ZooKeeper at " + zkConnect);
        }
        if (current.get() == null && currentLeader().isEmpty()) {
            return io.gantry.telemetry.Readiness.notReady("no scheduler leads the cluster yet");
        }
        return io.gantry.telemetry.Readiness.isReady();
    }

    /** The status page's data: the leader's view; a follower names the leader. */
    private io.gantry.telemetry.StatusSnapshot status() {
        var core = current.get();
        if (core == null) {
            return new io.gantry.telemetry.StatusSnapshot(clock.millis(), "", currentLeader().orElse(""), java.util.List.of(),
                    java.util.List.of(), java.util.List.of());
        }
        return StatusPage.snapshot(core, advertise, clock.millis());
    }

    /** Where /metrics and the status page are served, when they are. */
    public Optional<String> metricsAddress() {
        return http == null ? Optional.empty() : Optional.of(http.address().getHostString() + ":" + http.address().getPort());
    }

    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isLeader()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** The leader's advertised address as the election sees it, if any. */
    public Optional<String> currentLeader() {
        var l = latch;
        if (l == null) {
            return Optional.empty();
        }
        try {
            var p = l.getLeader();
            return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        closing = true;
        var leading = current.get();
        if (leading != null) {
            leading.flushObservedNow(); // observed state is written behind: hand it all to the next leader
        }
        // Step down before cutting the agents' streams: a closed core does not record them as DOWN, so the
        // next leader does not start out believing every node died.
        stepDown("shutting down");
        if (grpc != null) {
            grpc.shutdownNow();
        }
        var l = latch;
        if (l != null) {
            try {
                l.close();
            } catch (IOException | RuntimeException e) {
                log.debug("closing the latch: {}", e.toString());
            }
        }
        leadership.shutdownNow();
        sdTimer.shutdownNow();
        if (curator != null) {
            curator.close();
        }
        if (grpc != null) {
            try {
                grpc.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (embeddedZk != null) {
            embeddedZk.close();
        }
        if (http != null) {
            http.close();
        }
        if (telemetry != null) {
            telemetry.close();
        }
    }

    private final class View implements LeaderView {
        @Override
        public Optional<SchedulerCore> core() {
            return Optional.ofNullable(current.get());
        }

        @Override
        public StatusRuntimeException notLeader() {
            var leader = currentLeader();
            if (leader.isPresent() && !leader.get().equals(advertise)) {
                return LeaderRedirect.redirect(leader.get());
            }
            if (leader.isPresent()) {
                return Status.UNAVAILABLE.withDescription("this scheduler is taking over leadership" + LeaderTrailer.LEADER_PENDING_SUFFIX)
                        .asRuntimeException();
            }
            return Status.UNAVAILABLE.withDescription("no scheduler is leader yet" + LeaderTrailer.LEADER_PENDING_SUFFIX).asRuntimeException();
        }
    }
}
