package io.gantry.ctl.bench;

import io.gantry.ctl.cli.Durations;
import io.gantry.ctl.cli.Flags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gantry bench scale}: starts a real ZooKeeper, a real scheduler and N hollow nodes (each its own
 * process, all on 127.0.0.1), submits containers through the Control API and reports durable placements/s
 * and submit-to-running latency. Everything it started is stopped and deleted at the end, also on Ctrl-C.
 */
@Command(name = "scale", description = "Scale benchmark: hollow nodes against a real scheduler and ZooKeeper.",
        sortOptions = false, mixinStandardHelpOptions = true)
public final class ScaleBenchCommand implements Callable<Integer> {
    @Option(names = "--nodes", split = ",", paramLabel = "N[,N...]", description = "Hollow node counts, one run each (default: 1000,5000)")
    List<Integer> nodes = new ArrayList<>(List.of(1000, 5000));

    @Option(names = "--containers", description = "Containers to submit per run (default: 50000)")
    int containers = 50_000;

    @Option(names = "--submit", paramLabel = "auto|service|run", description = "service: CreateService with many replicas; run: pipelined Run calls; auto: service if the scheduler has it (default: auto)")
    String submit = "auto";

    @Option(names = "--services", description = "Services the containers are split over in service mode (default: 50)")
    int services = 50;

    @Option(names = "--in-flight", description = "Run calls outstanding at once (default: 256)")
    int inFlight = 256;

    @Option(names = "--start-latency", paramLabel = "DURATION", description = "Simulated container start time (default: 50ms)")
    String startLatency = "50ms";

    @Option(names = "--node-cpus", description = "CPUs per hollow node (default: 32)")
    String nodeCpus = "32";

    @Option(names = "--node-memory", description = "Memory per hollow node (default: 128g)")
    String nodeMemory = "128g";

    @Option(names = "--cpus", description = "CPUs each container asks for (default: 0.1)")
    String cpus = "0.1";

    @Option(names = "--memory", description = "Memory each container asks for (default: 64m)")
    String memory = "64m";

    @Option(names = "--only-running-state", description = "Hollow nodes report only RUNNING (not PULLING, STARTING first)")
    boolean onlyRunningState;

    @Option(names = "--poll", paramLabel = "DURATION", description = "How often to List the workloads; each List of 50,000 costs the scheduler CPU (default: 1s)")
    String poll = "1s";

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up on a run after this long (default: 15m)")
    String timeout = "15m";

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", description = "The scheduler's --heartbeat-timeout (default: 5s)")
    String heartbeatTimeout = "5s";

    @Option(names = "--scheduler-jvm", paramLabel = "OPTS", description = "Extra JVM options for the scheduler, space separated (default: -XX:+UseSerialGC, as ./gantry runs it)")
    String schedulerJvm = "-XX:+UseSerialGC";

    @Option(names = "--profile", paramLabel = "DIR", description = "Record the scheduler with JFR into DIR/scheduler-N.jfr")
    Path profile;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the temporary ZooKeeper and scheduler data go (default: /tmp)")
    Path workDir = Path.of(System.getProperty("java.io.tmpdir"));

    @Option(names = "--keep", description = "Keep the work dirs (logs, ZooKeeper data) instead of deleting them")
    boolean keep;

    @Option(names = "--output", paramLabel = "FILE", description = "Also write the markdown report to FILE")
    Path output;

    @Override
    public Integer call() throws Exception {
        ScaleBench.SubmitMode mode = switch (submit) {
            case "auto" -> ScaleBench.SubmitMode.AUTO;
            case "service" -> ScaleBench.SubmitMode.SERVICE;
            case "run" -> ScaleBench.SubmitMode.RUN;
            default -> throw new IllegalArgumentException("invalid argument \"" + submit + "\" for \"--submit\": expected auto, service or run");
        };
        if (nodes.isEmpty() || nodes.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("invalid argument for \"--nodes\": every count must be at least 1");
        }
        if (containers < 1 || services < 1 || inFlight < 1) {
            throw new IllegalArgumentException("--containers, --services and --in-flight must be at least 1");
        }
        Durations.parse("--heartbeat-timeout", heartbeatTimeout);
        var config = new ScaleBench.Config(containers, mode, services, inFlight, Durations.parse("--start-latency", startLatency),
                nodeCpus, nodeMemory, onlyRunningState, Flags.cpuMillis(cpus), Flags.memory("--memory", memory),
                Durations.parse("--poll", poll), Durations.parse("--timeout", timeout), heartbeatTimeout, workDir, keep,
                profile, schedulerJvm.isBlank() ? List.of() : Arrays.asList(schedulerJvm.strip().split("\\s+")), System.err);
        Flags.cpuMillis(nodeCpus);
        Flags.memory("--node-memory", nodeMemory);
        var bench = new ScaleBench(config);
        List<ScaleBench.Result> results = new ArrayList<>();
        for (int n : nodes) {
            results.add(bench.run(n));
            String report = BenchReport.markdown(results, config);
            if (output != null) {
                Files.writeString(output, report);
            }
        }
        System.out.println(BenchReport.markdown(results, config));
        return 0;
    }

    /** {@code java -cp CP io.gantry.ctl.bench.ScaleBenchCommand --nodes 100 --containers 5000}. */
    public static void main(String[] args) {
        System.exit(BenchCli.execute(new ScaleBenchCommand(), args));
    }
}
