package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.Humanize;
import io.gantry.ctl.cli.JsonOutput;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.Node;
import io.gantry.proto.UpdateNodeRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code gantry node ...}: the machines of the cluster. */
@Command(name = "node", description = "Manage cluster nodes.",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Inspect.class, NodeCommand.Update.class,
                NodeCommand.Drain.class, NodeCommand.Activate.class})
public final class NodeCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (ls, inspect, update, drain, activate)");
    }

    /** The labels placement sees: the agent's, with the operator's over them. */
    static Map<String, String> effectiveLabels(Node n) {
        Map<String, String> labels = new TreeMap<>(n.getLabelsMap());
        labels.putAll(n.getAgentLabelsMap());
        labels.putAll(n.getOperatorLabelsMap());
        return labels;
    }

    static String capitalized(String enumName) {
        return enumName.charAt(0) + enumName.substring(1).toLowerCase(Locale.ROOT);
    }

    /** Sends one UpdateNode and prints the node's name, as {@code docker node update} does. */
    static int update(Main main, PrintWriter out, UpdateNodeRequest request) {
        try (SchedulerClient client = main.connect()) {
            client.call(s -> s.updateNode(request));
        } catch (StatusRuntimeException e) {
            throw new CliException(Services.describe(e, "node", request.getName()), 1);
        }
        out.println(request.getName());
        out.flush();
        return 0;
    }

    static Node.Availability availability(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "active" -> Node.Availability.ACTIVE;
            case "drain" -> Node.Availability.DRAIN;
            default -> throw new CliException("invalid argument \"" + value + "\" for \"--availability\": use active or drain",
                    RunCommand.EXIT_GANTRY_ERROR);
        };
    }

    /** {@code gantry node ls}. */
    @Command(name = "ls", aliases = "list", description = "List nodes: state, capacity and what is allocated.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<Node> nodes;
            try (SchedulerClient client = parent.main.connect()) {
                nodes = client.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(render(nodes));
            out.flush();
            return 0;
        }

        static String render(List<Node> nodes) {
            Table t = new Table("NAME", "STATUS", "AVAILABILITY", "ADDRESS", "CPUS", "MEMORY", "ALLOCATED CPU", "ALLOCATED MEMORY", "CONTAINERS", "LABELS");
            nodes.stream().sorted(Comparator.comparing(Node::getName)).forEach(n -> {
                Map<String, String> labels = effectiveLabels(n);
                t.row(n.getName(), capitalized(n.getStatus().name()), capitalized(n.getAvailability().name()),
                        n.getAddress().isEmpty() ? "-" : n.getAddress(),
                        Humanize.cpus(n.getCpuMillis()), Humanize.bytes(n.getMemoryBytes()),
                        Humanize.cpus(n.getAllocatedCpuMillis()), Humanize.bytes(n.getAllocatedMemoryBytes()),
                        String.valueOf(n.getWorkloads()),
                        labels.isEmpty() ? "-" : labels.entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
            });
            return t.render();
        }
    }

    /** {@code gantry node inspect NAME...}: the node records as a JSON array. */
    @Command(name = "inspect", description = "Display detailed information on one or more nodes (JSON).")
    static final class Inspect implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> names;

        @Override
        public Integer call() {
            List<Node> nodes;
            try (SchedulerClient client = parent.main.connect()) {
                nodes = client.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
            }
            List<Node> objects = new ArrayList<>();
            String error = null;
            for (String name : names) {
                Node found = nodes.stream().filter(n -> n.getName().equals(name)).findFirst().orElse(null);
                if (found == null) {
                    error = "no such node: " + name;
                } else {
                    objects.add(found);
                }
            }
            spec.commandLine().getOut().println(JsonOutput.array(objects));
            spec.commandLine().getOut().flush();
            if (error != null) {
                throw new CliException(error, 1);
            }
            return 0;
        }
    }

    /** {@code gantry node update}: operator labels and availability. */
    @Command(name = "update", description = "Update a node: labels for placement constraints, availability.", sortOptions = false)
    static final class Update implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--label-add", paramLabel = "KEY=VALUE", description = "Add or replace a node label (repeatable)")
        List<String> labelAdd = new ArrayList<>();

        @Option(names = "--label-rm", paramLabel = "KEY", description = "Remove a label set with --label-add (repeatable)")
        List<String> labelRm = new ArrayList<>();

        @Option(names = "--availability", paramLabel = "STATE", description = "active | drain")
        String availability;

        @Parameters(paramLabel = "NODE")
        String name;

        @Override
        public Integer call() {
            return update(parent.main, spec.commandLine().getOut(), request());
        }

        UpdateNodeRequest request() {
            UpdateNodeRequest.Builder b = UpdateNodeRequest.newBuilder().setName(name);
            try {
                for (String label : labelAdd) {
                    Flags.putLabel(b.getMutableLabelAdd(), label);
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
            }
            for (String key : labelRm) {
                if (key.isBlank() || key.contains("=")) {
                    throw new CliException("invalid argument \"" + key + "\" for \"--label-rm\": expected a label KEY", RunCommand.EXIT_GANTRY_ERROR);
                }
                b.addLabelRm(key.strip());
            }
            if (availability != null) {
                b.setSetAvailability(true).setAvailability(availability(availability));
            }
            return b.build();
        }
    }

    /** Sets a node's availability: the drain and activate subcommands. */
    abstract static class AvailabilityCommand implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NODE")
        String name;

        abstract Node.Availability availability();

        @Override
        public Integer call() {
            return update(parent.main, spec.commandLine().getOut(), UpdateNodeRequest.newBuilder()
                    .setName(name).setSetAvailability(true).setAvailability(availability()).build());
        }
    }

    /** {@code gantry node drain NAME}: place nothing new there and move its containers away. */
    @Command(name = "drain", description = "Move a node's containers away and place nothing new on it.")
    static final class Drain extends AvailabilityCommand {
        @Override
        Node.Availability availability() {
            return Node.Availability.DRAIN;
        }
    }

    /** {@code gantry node activate NAME}: make a drained node eligible again. */
    @Command(name = "activate", description = "Make a drained node take containers again.")
    static final class Activate extends AvailabilityCommand {
        @Override
        Node.Availability availability() {
            return Node.Availability.ACTIVE;
        }
    }
}
