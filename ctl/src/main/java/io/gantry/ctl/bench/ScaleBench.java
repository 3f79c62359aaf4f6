package io.gantry.ctl.bench;

import io.gantry.ctl.bench.BenchStats.Sample;
import io.gantry.proto.ControlGrpc;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.ListRequest;
import io.gantry.proto.Node;
import io.gantry.proto.Resources;
import io.gantry.proto.RunRequest;
import io.gantry.proto.RunResponse;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.Workload;
import io.gantry.proto.WorkloadSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One scale run: a real ZooKeeper and a real scheduler as separate processes, N hollow nodes in a third
 * process, then {@code containers} submitted through the Control API while {@code List} is polled to see
 * placements become durable (the scheduler lists a workload only after its ZooKeeper write committed).
 */
final class ScaleBench {
    static final String BENCH_LABEL = "gantry-bench";
    static final String SEQ_LABEL = "gantry-bench-seq";

    enum SubmitMode { AUTO, SERVICE, RUN }

    record Config(int containers, SubmitMode mode, int services, int inFlight, Duration startLatency, String nodeCpus,
                  String nodeMemory, boolean onlyRunningState, long workloadCpuMillis, long workloadMemoryBytes,
                  Duration poll, Duration timeout, String heartbeatTimeout, Path workDir, boolean keep,
                  Path profileDir, List<String> schedulerJvmOptions, PrintStream progress) {
    }

    /** One process's footprint at the end of the run. */
    record Footprint(long rssKiB, int threads, double cpuSeconds) {
        static final Footprint UNKNOWN = new Footprint(-1, -1, -1);
    }

    record Result(int nodes, int containers, String mode, Duration startLatency, long registerMs, long submitMs,
                  double acksPerSecond, double sustainedPlacedPerSecond, double overallPlacedPerSecond,
                  double peakPlacedPerSecond, double sustainedRunningPerSecond, long allPlacedMs, long allRunningMs,
                  int placed, int running, int failed, int errors, String firstError, long[] serverLatency,
                  long[] clientLatency, int nodesUsed, Footprint scheduler, Footprint hollow, Footprint zooKeeper,
                  List<Sample> samples, Optional<Path> profile) {
    }

    private final Config config;

    ScaleBench(Config config) {
        this.config = config;
    }

    private static final List<String> JVM_BASE = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classpath() {
        return System.getProperty("java.class.path");
    }

    Result run(int nodes) throws Exception {
        Files.createDirectories(config.workDir());
        Path dir = Files.createTempDirectory(config.workDir(), "gantry-scale-");
        try (ChildProcesses procs = new ChildProcesses()) {
            if (!config.keep()) {
                procs.deleteLater(dir);
            }
            say("nodes=%d: work dir %s", nodes, dir);
            // ZooKeeper: its own process, data on disk (fsync on: durable).
            int zkPort = freePort();
            Path zkData = Files.createDirectories(dir.resolve("zk"));
            Path zkCfg = dir.resolve("zoo.cfg");
            Files.writeString(zkCfg, String.join("\n", "tickTime=2000", "initLimit=10", "syncLimit=5",
                    "dataDir=" + zkData, "clientPort=" + zkPort, "clientPortAddress=127.0.0.1", "maxClientCnxns=0",
                    "admin.enableServer=false", "4lw.commands.whitelist=ruok,srvr,mntr", ""));
            Process zk = procs.start(command(List.of("-Xmx1g"), "org.apache.zookeeper.server.ZooKeeperServerMain",
                    List.of(zkCfg.toString())), dir.resolve("zk.log"));
            awaitZooKeeper(zk, zkPort, dir.resolve("zk.log"));

            // The scheduler: exactly what `gantry scheduler` runs.
            int port = freePort();
            String address = "127.0.0.1:" + port;
            List<String> jvm = new ArrayList<>(config.schedulerJvmOptions());
            Path jfr = dir.resolve("scheduler-" + nodes + ".jfr");
            if (config.profileDir() != null) {
                jvm.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
            }
            Process scheduler = procs.start(command(jvm, "io.gantry.ctl.Main", List.of("scheduler", "--zk",
                    "127.0.0.1:" + zkPort, "--listen", address, "--data-dir", dir.resolve("scheduler").toString(),
                    "--heartbeat-timeout", config.heartbeatTimeout())), dir.resolve("scheduler.log"));
            ChildProcesses.awaitLine(scheduler, dir.resolve("scheduler.log"), l -> l.contains("serving on"),
                    Duration.ofSeconds(60), "the scheduler");

            ManagedChannel channel = NettyChannelBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .usePlaintext().maxInboundMessageSize(1 << 30).build();
            try {
                var blocking = ControlGrpc.newBlockingStub(channel);
                awaitLeader(blocking, scheduler, dir.resolve("scheduler.log"));

                // The hollow nodes: a third process, so their CPU and memory are measured apart from the scheduler's.
                long regStart = System.nanoTime();
                List<String> hollowArgs = new ArrayList<>(List.of("--count", Integer.toString(nodes), "--scheduler",
                        address, "--start-latency", config.startLatency().toMillis() + "ms", "--cpus", config.nodeCpus(),
                        "--memory", config.nodeMemory()));
                if (config.onlyRunningState()) {
                    hollowArgs.add("--only-running-state");
                }
                Process hollow = procs.start(command(List.of(), HollowNodesCommand.class.getName(), hollowArgs),
                        dir.resolve("hollow.log"));
                awaitNodes(blocking, nodes, hollow, dir.resolve("hollow.log"));
                long registerMs = (System.nanoTime() - regStart) / 1_000_000;
                say("nodes=%d: all registered in %d ms", nodes, registerMs);

                Result r = submitAndMeasure(channel, nodes, registerMs, scheduler, hollow, zk);
                if (config.profileDir() != null) {
                    ChildProcesses.stop(scheduler); // dumps the recording
                    Files.createDirectories(config.profileDir());
                    Path kept = config.profileDir().resolve(jfr.getFileName());
                    if (Files.exists(jfr)) {
                        Files.copy(jfr, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        r = withProfile(r, kept);
                        Path summary = config.profileDir().resolve("scheduler-" + nodes + "-summary.txt");
                        try (var out = new PrintStream(Files.newOutputStream(summary), true, StandardCharsets.UTF_8)) {
                            JfrSummary.read(kept).print(out, 15);
                        }
                        say("nodes=%d: scheduler profile summary in %s", nodes, summary);
                    }
                }
                if (config.keep()) {
                    say("nodes=%d: kept %s", nodes, dir);
                }
                return r;
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static Result withProfile(Result r, Path profile) {
        return new Result(r.nodes(), r.containers(), r.mode(), r.startLatency(), r.registerMs(), r.submitMs(),
                r.acksPerSecond(), r.sustainedPlacedPerSecond(), r.overallPlacedPerSecond(), r.peakPlacedPerSecond(),
                r.sustainedRunningPerSecond(), r.allPlacedMs(), r.allRunningMs(), r.placed(), r.running(), r.failed(),
                r.errors(), r.firstError(), r.serverLatency(), r.clientLatency(), r.nodesUsed(), r.scheduler(),
                r.hollow(), r.zooKeeper(), r.samples(), Optional.of(profile));
    }

    // ------------------------------------------------------------------ submission and measurement

    private Result submitAndMeasure(ManagedChannel channel, int nodes, long registerMs, Process scheduler,
                                    Process hollow, Process zk) throws Exception {
        int total = config.containers();
        var stub = ControlGrpc.newStub(channel);
        var blocking = ControlGrpc.newBlockingStub(channel);
        long[] sentAt = new long[total];
        Map<String, Long> serviceSentAt = new ConcurrentHashMap<>();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicInteger acked = new AtomicInteger();
        List<Sample> samples = new CopyOnWriteArrayList<>();
        long t0 = System.currentTimeMillis();
        samples.add(new Sample(t0, 0, 0));

        // Polls List until everything runs, the time is up, or nothing moved for a while.
        var done = new CountDownLatch(1);
        Thread poller = Thread.ofPlatform().daemon().name("bench-poller").start(() -> {
            long deadline = t0 + config.timeout().toMillis();
            long lastChange = t0;
            int lastPlaced = -1;
            int lastRunning = -1;
            long lastSay = 0;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(config.poll().toMillis());
                    // Services report their counts: far cheaper for the scheduler than listing 50,000 workloads.
                    var services = blocking.withDeadlineAfter(120, TimeUnit.SECONDS)
                            .listServices(io.gantry.proto.ListServicesRequest.getDefaultInstance()).getServicesList();
                    List<Workload> ws = services.isEmpty() ? blocking.withDeadlineAfter(120, TimeUnit.SECONDS)
                            .list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsList() : List.of();
                    long now = System.currentTimeMillis();
                    int placed = services.stream().mapToInt(io.gantry.proto.Service::getPlaced).sum();
                    int running = services.stream().mapToInt(io.gantry.proto.Service::getRunning).sum();
                    for (Workload w : ws) {
                        if (!w.getSpec().getLabelsMap().containsKey(BENCH_LABEL)) {
                            continue;
                        }
                        if (!w.getNode().isEmpty()) {
                            placed++;
                        }
                        if (w.getState() == io.gantry.proto.ContainerState.RUNNING) {
                            running++;
                        }
                    }
                    samples.add(new Sample(now, placed, running));
                    if (placed != lastPlaced || running != lastRunning) {
                        lastChange = now;
                        lastPlaced = placed;
                        lastRunning = running;
                    }
                    if (now - lastSay >= 2000) {
                        say("nodes=%d: %5.1f s: acked %d, placed %d, running %d", nodes, (now - t0) / 1000.0,
                                acked.get(), placed, running);
                        lastSay = now;
                    }
                    if (running >= total || now > deadline || (now - lastChange > 60_000 && acked.get() + errors.get() >= total)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    break;
                } catch (StatusRuntimeException e) {
                    say("nodes=%d: List failed: %s", nodes, e.getStatus());
                }
            }
            done.countDown();
        });

        SubmitMode mode = config.mode();
        if (mode != SubmitMode.RUN) {
            mode = submitServices(stub, serviceSentAt, acked, errors, firstError);
        }
        if (mode == SubmitMode.RUN) {
            submitRuns(stub, sentAt, acked, errors, firstError);
        }
        long submitMs = System.currentTimeMillis() - t0;
        double acksPerSecond = acked.get() * 1000.0 / Math.max(1, submitMs);
        say("nodes=%d: submitted %d in %d ms (%s mode, %d errors)", nodes, acked.get(), submitMs,
                mode.name().toLowerCase(), errors.get());
        done.await();
        poller.interrupt();

        Footprint schedulerFp = footprint(scheduler);
        Footprint hollowFp = footprint(hollow);
        Footprint zkFp = footprint(zk);

        // One full listing at the end: per-workload latencies.
        List<Workload> ws = blocking.withDeadlineAfter(120, TimeUnit.SECONDS)
                .list(ListRequest.newBuilder().setAll(true).build()).getWorkloadsList();
        List<Long> server = new ArrayList<>();
        List<Long> client = new ArrayList<>();
        int placed = 0;
        int running = 0;
        int failed = 0;
        var used = new java.util.HashSet<String>();
        for (Workload w : ws) {
            var labels = w.getSpec().getLabelsMap();
            if (!labels.containsKey(BENCH_LABEL)) {
                continue;
            }
            if (!w.getNode().isEmpty()) {
                placed++;
                used.add(w.getNode());
            }
            if (w.getState() == io.gantry.proto.ContainerState.FAILED) {
                failed++;
            }
            if (w.getState() != io.gantry.proto.ContainerState.RUNNING || w.getStartedAtMs() <= 0) {
                continue;
            }
            running++;
            server.add(w.getStartedAtMs() - w.getCreatedAtMs());
            Long sent = null;
            String seq = labels.get(SEQ_LABEL);
            if (seq != null) {
                sent = sentAt[Integer.parseInt(seq)];
            } else if (!w.getService().isEmpty()) {
                sent = serviceSentAt.get(w.getService());
            }
            if (sent != null && sent > 0) {
                client.add(w.getStartedAtMs() - sent);
            }
        }
        double tPlaced = BenchStats.timeToReach(samples, total, false);
        double tRunning = BenchStats.timeToReach(samples, total, true);
        return new Result(nodes, total, mode.name().toLowerCase(), config.startLatency(), registerMs, submitMs,
                acksPerSecond, BenchStats.sustainedRate(samples, total, false),
                tPlaced < 0 ? -1 : total * 1000.0 / (tPlaced - t0), BenchStats.peakRate(samples, 1000),
                BenchStats.sustainedRate(samples, total, true), tPlaced < 0 ? -1 : (long) (tPlaced - t0),
                tRunning < 0 ? -1 : (long) (tRunning - t0), placed, running, failed, errors.get(), firstError.get(),
                server.stream().mapToLong(Long::longValue).toArray(), client.stream().mapToLong(Long::longValue).toArray(),
                used.size(), schedulerFp, hollowFp, zkFp, List.copyOf(samples), Optional.empty());
    }

    private WorkloadSpec.Builder template() {
        return WorkloadSpec.newBuilder().setImage("busybox").addCommand("sleep").addCommand("infinity")
                .setResources(Resources.newBuilder().setCpuMillis(config.workloadCpuMillis())
                        .setMemoryBytes(config.workloadMemoryBytes()))
                .putLabels(BENCH_LABEL, "scale");
    }

    /** Plain Run calls, pipelined: at most {@code inFlight} outstanding. */
    private void submitRuns(ControlGrpc.ControlStub stub, long[] sentAt, AtomicInteger acked, AtomicInteger errors,
                            AtomicReference<String> firstError) throws InterruptedException {
        Semaphore permits = new Semaphore(config.inFlight());
        for (int i = 0; i < config.containers(); i++) {
            if (errors.get() > 100) {
                say("giving up submitting after %d errors; first: %s", errors.get(), firstError.get());
                break;
            }
            permits.acquire();
            var spec = template().putLabels(SEQ_LABEL, Integer.toString(i)).build();
            sentAt[i] = System.currentTimeMillis();
            stub.run(RunRequest.newBuilder().setSpec(spec).build(), new StreamObserver<>() {
                @Override
                public void onNext(RunResponse value) {
                    acked.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, Status.fromThrowable(t).toString());
                    permits.release();
                }

                @Override
                public void onCompleted() {
                    permits.release();
                }
            });
        }
        permits.acquire(config.inFlight()); // all answered
    }

    /**
     * CreateService calls, {@code services} of them sharing the containers. In AUTO mode a scheduler without
     * CreateService (UNIMPLEMENTED on the first call) makes this fall back to Run; returns the mode used.
     */
    private SubmitMode submitServices(ControlGrpc.ControlStub stub, Map<String, Long> sentAt, AtomicInteger acked,
                                      AtomicInteger errors, AtomicReference<String> firstError) throws InterruptedException {
        int services = Math.min(config.services(), config.containers());
        int base = config.containers() / services;
        int extra = config.containers() % services;
        var blocking = ControlGrpc.newBlockingStub(stub.getChannel());
        Semaphore permits = new Semaphore(Math.max(1, Math.min(config.inFlight(), 8)));
        for (int k = 0; k < services; k++) {
            int replicas = base + (k < extra ? 1 : 0);
            String name = "bench-" + k;
            var request = CreateServiceRequest.newBuilder().setSpec(ServiceSpec.newBuilder().setName(name)
                    .setTemplate(template()).setReplicas(replicas)).build();
            long sent = System.currentTimeMillis();
            sentAt.put(name, sent);
            if (k == 0) {
                // The first one synchronously: it tells whether the scheduler has CreateService at all.
                try {
                    Service s = blocking.withDeadlineAfter(120, TimeUnit.SECONDS).createService(request);
                    sentAt.put(s.getId(), sent);
                    acked.addAndGet(replicas);
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED && config.mode() == SubmitMode.AUTO) {
                        say("the scheduler does not implement CreateService yet: submitting with Run instead");
                        sentAt.clear();
                        return SubmitMode.RUN;
                    }
                    if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                        throw new IllegalStateException("the scheduler does not implement CreateService yet; use --submit run");
                    }
                    errors.addAndGet(replicas);
                    firstError.compareAndSet(null, e.getStatus().toString());
                }
                continue;
            }
            permits.acquire();
            stub.createService(request, new StreamObserver<>() {
                @Override
                public void onNext(Service s) {
                    sentAt.put(s.getId(), sent);
                    acked.addAndGet(replicas);
                }

                @Override
                public void onError(Throwable t) {
                    errors.addAndGet(replicas);
                    firstError.compareAndSet(null, Status.fromThrowable(t).toString());
                    permits.release();
                }

                @Override
                public void onCompleted() {
                    permits.release();
                }
            });
        }
        permits.acquire(Math.max(1, Math.min(config.inFlight(), 8)));
        return SubmitMode.SERVICE;
    }

    // ------------------------------------------------------------------ processes

    private static List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(java());
        c.addAll(JVM_BASE);
        c.addAll(jvmOptions);
        c.add("-cp");
        c.add(classpath());
        c.add(mainClass);
        c.addAll(args);
        return c;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** ZooKeeper's own health check ("ruok" -> "imok"). */
    private static void awaitZooKeeper(Process zk, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!zk.isAlive()) {
                throw new IOException("ZooKeeper exited with status " + zk.exitValue() + ": " + ChildProcesses.tail(log));
            }
            try (Socket s = new Socket()) {
                // Bounded: a server that accepted but is not serving yet must not hang the benchmark.
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write("ruok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                if (new String(in.readAllBytes(), StandardCharsets.US_ASCII).equals("imok")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("ZooKeeper did not start within 60 s: " + ChildProcesses.tail(log));
    }

    private static void awaitLeader(ControlGrpc.ControlBlockingStub stub, Process scheduler, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StatusRuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!scheduler.isAlive()) {
                throw new IOException("the scheduler exited with status " + scheduler.exitValue() + ": " + ChildProcesses.tail(log));
            }
            try {
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IOException("the scheduler did not become leader within 60 s: " + (last == null ? "" : last.getStatus()));
    }

    private void awaitNodes(ControlGrpc.ControlBlockingStub stub, int nodes, Process hollow, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60) + TimeUnit.MILLISECONDS.toNanos(40L * nodes);
        int ready = 0;
        long lastSay = 0;
        while (System.nanoTime() < deadline) {
            if (!hollow.isAlive()) {
                throw new IOException("the hollow nodes exited with status " + hollow.exitValue() + ": " + ChildProcesses.tail(log));
            }
            try {
                ready = (int) stub.withDeadlineAfter(30, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance())
                        .getNodesList().stream().filter(n -> n.getStatus() == Node.Status.READY).count();
            } catch (StatusRuntimeException e) {
                say("nodes=%d: ListNodes failed (the scheduler is busy?): %s", nodes, e.getStatus().getCode());
                continue;
            }
            if (ready >= nodes) {
                return;
            }
            if (System.currentTimeMillis() - lastSay > 2000) {
                say("nodes=%d: %d registered", nodes, ready);
                lastSay = System.currentTimeMillis();
            }
            Thread.sleep(200);
        }
        throw new IOException("only " + ready + " of " + nodes + " hollow nodes registered in time: " + ChildProcesses.tail(log));
    }

    /** RSS and threads from /proc, CPU time from the process handle. */
    static Footprint footprint(Process p) {
        if (!p.isAlive()) {
            return Footprint.UNKNOWN;
        }
        long rss = -1;
        int threads = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone meanwhile
        }
        double cpu = p.info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
        return new Footprint(rss, threads, cpu);
    }

    private void say(String format, Object... args) {
        config.progress().printf("gantry bench: " + format + "%n", args);
        config.progress().flush();
    }
}
