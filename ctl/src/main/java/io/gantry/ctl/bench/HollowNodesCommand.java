package io.gantry.ctl.bench;

import io.gantry.agent.sim.HollowNodes;
import io.gantry.agent.sim.SharedResources;
import io.gantry.agent.sim.SimSettings;
import io.gantry.ctl.cli.Daemon;
import io.gantry.ctl.cli.Durations;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.SchedulerClient;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gantry hollow-nodes}: many simulated node agents in this one JVM (Kubernetes' kubemark idea). Real
 * agent code and protocol; containers are simulated. Runs until SIGINT/SIGTERM.
 */
@Command(name = "hollow-nodes", description = "Run many hollow (simulated) node agents in one process, for scale tests.",
        sortOptions = false, mixinStandardHelpOptions = true)
public final class HollowNodesCommand implements Callable<Integer> {
    @Option(names = "--count", required = true, description = "How many hollow nodes")
    int count;

    @Option(names = "--scheduler", required = true, paramLabel = "HOST:PORT[,...]", description = "Scheduler address(es)")
    String scheduler;

    @Option(names = "--start-latency", paramLabel = "DURATION", description = "Simulated time from assignment to RUNNING (default: 50ms)")
    String startLatency = "50ms";

    @Option(names = "--cpus", description = "CPUs each hollow node offers (default: 32)")
    String cpus = "32";

    @Option(names = "--memory", description = "Memory each hollow node offers (default: 128g)")
    String memory = "128g";

    @Option(names = "--name-prefix", description = "Node names are PREFIX-00001... (default: hollow)")
    String namePrefix = "hollow";

    @Option(names = "--zones", description = "Spread the nodes' zone label over this many values (default: 3)")
    int zones = 3;

    @Option(names = "--threads", description = "Worker threads shared by all hollow nodes (default: 2)")
    int threads = 2;

    @Option(names = "--channels", description = "gRPC connections per scheduler address shared by all hollow nodes (default: 2)")
    int channels = 2;

    @Option(names = "--only-running-state", description = "Report only RUNNING, not PULLING and STARTING first")
    boolean onlyRunning;

    @Option(names = "--register-timeout", paramLabel = "DURATION", description = "How long to wait for all to register before saying so (default: 120s)")
    String registerTimeout = "120s";

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new IllegalArgumentException("invalid argument \"" + count + "\" for \"--count\": must be at least 1");
        }
        SimSettings sim = new SimSettings(Durations.parse("--start-latency", startLatency), Flags.cpuMillis(cpus),
                Flags.memory("--memory", memory), !onlyRunning);
        var addresses = SchedulerClient.parseAddresses(scheduler);
        long t0 = System.nanoTime();
        HollowNodes nodes = HollowNodes.start(addresses, count, namePrefix, zones, sim,
                new SharedResources(threads, channels), Clock.systemUTC());
        System.out.println("hollow-nodes: started " + count + " agents against " + scheduler);
        System.out.flush();
        Thread waiter = Thread.ofPlatform().daemon().name("hollow-register-wait").start(() -> {
            try {
                int registered = nodes.awaitRegistered(Durations.parse("--register-timeout", registerTimeout));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                Runtime rt = Runtime.getRuntime();
                System.gc();
                System.out.printf("hollow-nodes: %d/%d registered in %d ms; %d live threads, heap used %d MiB%s%n",
                        registered, count, ms, Thread.activeCount(), (rt.totalMemory() - rt.freeMemory()) >> 20,
                        registered == count ? "; ready" : "");
                System.out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Daemon.runUntilSignalled(() -> {
            waiter.interrupt();
            nodes.close();
        });
        return 0;
    }

    /** For running without the main CLI: {@code java -cp CP io.gantry.ctl.bench.HollowNodesCommand --count 100 ...}. */
    public static void main(String[] args) {
        System.exit(BenchCli.execute(new HollowNodesCommand(), args));
    }
}
