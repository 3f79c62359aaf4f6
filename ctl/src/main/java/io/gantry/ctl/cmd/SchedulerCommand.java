package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.Daemon;
import io.gantry.ctl.cli.Durations;
import io.gantry.scheduler.SchedulerConfig;
import io.gantry.scheduler.SchedulerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/** {@code gantry scheduler}: one scheduler process of a cluster (several may run; one leads). */
@Command(name = "scheduler", description = "Run a scheduler (leader-elected through ZooKeeper).", sortOptions = false)
public final class SchedulerCommand implements Callable<Integer> {
    @ParentCommand
    io.gantry.ctl.Main main;

    @Option(names = "--zk", paramLabel = "HOST:PORT[,...]", description = "External ZooKeeper ensemble (default: an embedded ZooKeeper in the data dir)")
    String zk;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "gRPC address for the CLI and agents (default: 127.0.0.1:7070)")
    String listen = "127.0.0.1:7070";

    @Option(names = "--advertise", paramLabel = "HOST:PORT", description = "Address other processes should use to reach this scheduler (default: --listen)")
    String advertise;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "State directory (default: /var/lib/gantry/scheduler)")
    Path dataDir = Path.of("/var/lib/gantry/scheduler");

    @Option(names = "--default-registry", paramLabel = "HOST:PORT", description = "Registry for unqualified image names (default: 127.0.0.1:5000)")
    String defaultRegistry = "127.0.0.1:5000";

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", description = "Mark a node down after this long without a heartbeat (default: 5s)")
    String heartbeatTimeout = "5s";

    @Option(names = "--zk-session-timeout", paramLabel = "DURATION", description = "ZooKeeper session timeout: a killed leader is replaced about this long after it died (default: 1000ms with --zk, where ZooKeeper's tickTime must be at most half of it; 10s with the embedded ZooKeeper, which dies with its scheduler anyway)")
    String zkSessionTimeout;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "HTTP address for /metrics, /healthz, /readyz and the status page; \"\" = off (default: 127.0.0.1:9470)")
    String metricsListen = "127.0.0.1:9470";

    @Option(names = "--prometheus-sd-file", paramLabel = "FILE", description = "While leading, keep Prometheus file_sd targets here: this scheduler's and every agent's /metrics (e.g. /var/lib/gantry/prometheus/targets.json)")
    java.nio.file.Path prometheusSdFile;

    @Option(names = "--node-subnet-pool", paramLabel = "CIDR", description = "Where each node's bridge subnet (a /24) comes from (default: 10.42.0.0/16)")
    String nodeSubnetPool;

    @Option(names = "--network-subnet-pool", paramLabel = "CIDR", description = "Where overlay networks' subnets (a /24 each) come from unless --subnet (default: 10.43.0.0/16)")
    String networkSubnetPool;

    @Option(names = "--seed", description = "Seed for placement tie-breaks and generated ids (default: 1)")
    long seed = 1;

    @Override
    public Integer call() throws Exception {
        HostPort l = HostPort.parse("--listen", listen);
        main.configureLogging("scheduler", advertise != null ? advertise : listen);
        SchedulerConfig config = new SchedulerConfig(zk, dataDir, l.host(), l.port(), advertise, defaultRegistry,
                Durations.parse("--heartbeat-timeout", heartbeatTimeout), seed,
                zkSessionTimeout == null ? null : Durations.parse("--zk-session-timeout", zkSessionTimeout), metricsListen, prometheusSdFile, nodeSubnetPool, networkSubnetPool);
        SchedulerServer server = SchedulerServer.start(config, Clock.systemUTC());
        server.metricsAddress().ifPresent(a -> System.out.println("gantry scheduler: metrics and status page on http://" + a + "/"));
        System.out.println("gantry scheduler: serving on " + server.address() + (zk == null
                ? " with an embedded ZooKeeper at " + server.zkConnectString() + " (data in " + dataDir
                        + "; more schedulers join with --zk " + server.zkConnectString() + ")"
                : " with ZooKeeper " + zk));
        System.out.flush();
        Daemon.runUntilSignalled(server::close);
        return 0;
    }
}
