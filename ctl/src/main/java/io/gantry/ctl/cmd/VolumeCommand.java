package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.JsonOutput;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.SessionOpen;
import io.gantry.proto.Volume;
import io.gantry.proto.VolumeOp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code gantry volume ...}: named volumes, which live on nodes (each node has its own). */
@Command(name = "volume", description = "Manage volumes (each node keeps its own).",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Inspect.class,
                VolumeCommand.Rm.class, VolumeCommand.Prune.class})
public final class VolumeCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (create, ls, inspect, rm, prune)");
    }

    /** Docker names an anonymous volume with 64 random hex digits. */
    private static String randomName() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static SessionOpen open(VolumeOp.Builder op) {
        return SessionOpen.newBuilder().setVolume(op).build();
    }

    /** Every volume the nodes answered with, the node filled in where the agent left it out. */
    private static List<Volume> volumes(List<NodeFanout.NodeResult> results) {
        List<Volume> out = new ArrayList<>();
        for (var r : results) {
            r.frames().stream().filter(f -> f.hasVolumes()).flatMap(f -> f.getVolumes().getVolumesList().stream())
                    .map(v -> v.getNode().isEmpty() ? v.toBuilder().setNode(r.node()).build() : v)
                    .forEach(out::add);
        }
        return out;
    }

    private static List<String> errors(List<NodeFanout.NodeResult> results) {
        return results.stream().filter(r -> !r.ok()).map(NodeFanout.NodeResult::error).toList();
    }

    /** {@code volume create}: on one node, or on every ready node so that a container placed anywhere finds it. */
    @Command(name = "create", description = {"Create a volume.",
            "Without --node it is created on every ready node, so that a container placed on any of them finds it"
                    + " (each node's copy holds its own data: volumes are not replicated)."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--node", paramLabel = "NAME", description = "Create it on this node only")
        String node;

        @Option(names = {"-d", "--driver"}, paramLabel = "DRIVER", description = "Volume driver (only \"local\")")
        String driver = "local";

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Set metadata for a volume (repeatable)")
        List<String> labels = new ArrayList<>();

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "The volume's name (default: a random one)")
        String name;

        @Override
        public Integer call() throws InterruptedException {
            if (!driver.equals("local")) {
                throw new CliException("invalid argument \"" + driver + "\" for \"--driver\": only the local driver is supported", 125);
            }
            Map<String, String> parsed = new LinkedHashMap<>();
            try {
                for (String label : labels) {
                    Flags.putLabel(parsed, label);
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 125);
            }
            String volume = name != null ? name : randomName();
            List<NodeFanout.NodeResult> results;
            int tried;
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                tried = nodes.size();
                results = NodeFanout.run(client, nodes, n -> open(VolumeOp.newBuilder().setKind(VolumeOp.Kind.CREATE)
                        .setName(volume).putAllLabels(parsed)));
            }
            List<String> errors = errors(results);
            PrintWriter out = spec.commandLine().getOut();
            if (errors.size() < results.size()) {
                out.println(volume);
                out.flush();
            }
            return Services.reportFailures(errors, tried, spec.commandLine().getErr());
        }
    }

    /** {@code volume ls}: every node's volumes. */
    @Command(name = "ls", aliases = "list", description = "List volumes on the cluster's nodes.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-q", "--quiet"}, description = "Only display volume names")
        boolean quiet;

        @Option(names = "--node", paramLabel = "NAME", description = "Only this node's volumes")
        String node;

        @Override
        public Integer call() throws InterruptedException {
            List<NodeFanout.NodeResult> results;
            int tried;
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                tried = nodes.size();
                results = NodeFanout.run(client, nodes, n -> open(VolumeOp.newBuilder().setKind(VolumeOp.Kind.LIST)));
            }
            List<Volume> volumes = volumes(results).stream()
                    .sorted(Comparator.comparing(Volume::getName).thenComparing(Volume::getNode)).toList();
            PrintWriter out = spec.commandLine().getOut();
            if (quiet) {
                Set<String> names = new LinkedHashSet<>();
                volumes.forEach(v -> names.add(v.getName()));
                names.forEach(out::println);
            } else {
                out.print(render(volumes));
            }
            out.flush();
            return Services.reportFailures(errors(results), tried, spec.commandLine().getErr());
        }

        static String render(List<Volume> volumes) {
            Table t = new Table("DRIVER", "VOLUME NAME", "NODE");
            volumes.forEach(v -> t.row(v.getDriver().isEmpty() ? "local" : v.getDriver(), v.getName(), v.getNode()));
            return t.render();
        }
    }

    /** {@code volume inspect NAME...}: each node's copy, as a JSON array. */
    @Command(name = "inspect", description = "Display detailed information on one or more volumes (JSON), from every node that has them.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--node", paramLabel = "NAME", description = "Only this node's copy")
        String node;

        @Parameters(arity = "1..*", paramLabel = "VOLUME")
        List<String> names;

        @Override
        public Integer call() throws InterruptedException {
            List<Volume> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                for (String name : names) {
                    var results = NodeFanout.run(client, nodes, n -> open(VolumeOp.newBuilder().setKind(VolumeOp.Kind.INSPECT).setName(name)));
                    found.addAll(volumes(results));
                    errors.addAll(missingOrErrors(results, name));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(JsonOutput.array(found));
            out.flush();
            return Services.reportFailures(errors, Math.max(errors.size(), names.size()), spec.commandLine().getErr());
        }
    }

    /** A node without the volume is no error, unless no node has it. */
    private static List<String> missingOrErrors(List<NodeFanout.NodeResult> results, String name) {
        List<String> errors = new ArrayList<>();
        boolean anyFound = false;
        for (var r : results) {
            if (r.ok()) {
                anyFound = true;
            } else if (!r.notFound()) {
                anyFound = true;
                errors.add(r.error());
            }
        }
        if (!anyFound) {
            errors.add("no such volume: " + name);
        }
        return errors;
    }

    /** {@code volume rm NAME...}: from every node that has it; one still used by a container stays, with an error. */
    @Command(name = "rm", aliases = "remove", description = "Remove one or more volumes from every node that has them.")
    static final class Rm implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Also remove a volume only stopped containers use; no error for a missing one")
        boolean force;

        @Option(names = "--node", paramLabel = "NAME", description = "Only on this node")
        String node;

        @Parameters(arity = "1..*", paramLabel = "VOLUME")
        List<String> names;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            List<String> errors = new ArrayList<>();
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                for (String name : names) {
                    var results = NodeFanout.run(client, nodes, n -> open(VolumeOp.newBuilder().setKind(VolumeOp.Kind.REMOVE)
                            .setName(name).setForce(force)));
                    List<String> mine = missingOrErrors(results, name);
                    if (force) {
                        mine.remove("no such volume: " + name);
                    }
                    if (results.stream().anyMatch(NodeFanout.NodeResult::ok)) {
                        out.println(name);
                    }
                    errors.addAll(mine);
                }
            }
            out.flush();
            return Services.reportFailures(errors, Math.max(errors.size(), names.size()), spec.commandLine().getErr());
        }
    }

    /** {@code volume prune}: volumes no container uses, on every ready node. */
    @Command(name = "prune", description = "Remove all unused volumes from every ready node.")
    static final class Prune implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
        boolean force;

        @Option(names = "--node", paramLabel = "NAME", description = "Only on this node")
        String node;

        @Override
        public Integer call() throws InterruptedException, IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!force && !Confirmation.confirm(out, "This will remove all local volumes not used by at least one container.")) {
                return 0;
            }
            List<NodeFanout.NodeResult> results;
            int tried;
            try (SchedulerClient client = NodeFanout.main(spec).connect()) {
                List<String> nodes = NodeFanout.targets(client, node);
                tried = nodes.size();
                results = NodeFanout.run(client, nodes, n -> open(VolumeOp.newBuilder().setKind(VolumeOp.Kind.PRUNE)));
            }
            return ImageCommand.printPruned(results, "Deleted Volumes:", out, spec.commandLine().getErr(), tried);
        }
    }
}
