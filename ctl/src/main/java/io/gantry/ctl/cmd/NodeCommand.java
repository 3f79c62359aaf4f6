package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.Humanize;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ListNodesRequest;
import io.gantry.proto.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code gantry node ...}: the machines of the cluster. */
@Command(name = "node", description = "Manage cluster nodes.", subcommands = NodeCommand.Ls.class)
public final class NodeCommand {
    @ParentCommand
    Main main;

    /** {@code gantry node ls}. */
    @Command(name = "ls", aliases = "list", description = "List nodes: state, capacity and what is allocated.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Override
        public Integer call() {
            List<Node> nodes;
            try (SchedulerClient client = parent.main.connect()) {
                nodes = client.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
            }
            Table t = new Table("NAME", "STATUS", "ADDRESS", "CPUS", "MEMORY", "ALLOCATED CPU", "ALLOCATED MEMORY", "CONTAINERS", "LABELS");
            nodes.stream().sorted(Comparator.comparing(Node::getName)).forEach(n -> t.row(
                    n.getName(), n.getStatus().name().charAt(0) + n.getStatus().name().substring(1).toLowerCase(),
                    n.getAddress().isEmpty() ? "-" : n.getAddress(),
                    Humanize.cpus(n.getCpuMillis()), Humanize.bytes(n.getMemoryBytes()),
                    Humanize.cpus(n.getAllocatedCpuMillis()), Humanize.bytes(n.getAllocatedMemoryBytes()),
                    String.valueOf(n.getWorkloads()),
                    n.getLabelsMap().isEmpty() ? "-" : n.getLabelsMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","))));
            System.out.print(t.render());
            return 0;
        }
    }
}
