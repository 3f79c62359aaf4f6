package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.JsonOutput;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ConnectNetworkRequest;
import io.gantry.proto.CreateNetworkRequest;
import io.gantry.proto.DisconnectNetworkRequest;
import io.gantry.proto.InspectNetworkRequest;
import io.gantry.proto.ListNetworksRequest;
import io.gantry.proto.Network;
import io.gantry.proto.PruneNetworksRequest;
import io.gantry.proto.RemoveNetworkRequest;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry network}: overlay networks that span the cluster's nodes. */
@Command(name = "network", description = "Manage networks.",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Inspect.class,
                NetworkCommand.Rm.class, NetworkCommand.Connect.class, NetworkCommand.Disconnect.class,
                NetworkCommand.Prune.class})
public final class NetworkCommand implements Runnable {
    @ParentCommand
    Main main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing network command (see 'gantry network --help')");
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        SchedulerClient connect() {
            return parent.main.connect();
        }
    }

    @Command(name = "create", description = "Create an overlay network spanning the nodes that run its members.")
    static final class Create extends Sub {
        @Option(names = {"-d", "--driver"}, description = "overlay (default)")
        String driver = "overlay";

        @Option(names = "--subnet", paramLabel = "CIDR", description = "Subnet, e.g. 10.50.0.0/24 (default: the next free one from 10.43.0.0/16)")
        String subnet;

        @Option(names = "--internal", description = "Restrict external access to the network (no route out)")
        boolean internal;

        @Option(names = "--attachable", description = "Accepted for Docker compatibility: every overlay network is attachable")
        boolean attachable;

        @Option(names = "--label", paramLabel = "KEY=VALUE")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NETWORK")
        String name;

        @Override
        public Integer call() {
            var r = CreateNetworkRequest.newBuilder().setName(name).setDriver(driver).setInternal(internal);
            if (subnet != null) {
                r.setSubnet(subnet);
            }
            var labelMap = new LinkedHashMap<String, String>();
            try {
                labels.forEach(l -> Flags.putLabel(labelMap, l));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
            }
            r.putAllLabels(labelMap);
            try (var client = connect()) {
                Network n = client.call(s -> s.createNetwork(r.build()));
                out().println(n.getId());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List networks.")
    static final class Ls extends Sub {
        @Option(names = {"-q", "--quiet"}, description = "Only display network IDs")
        boolean quiet;

        @Override
        public Integer call() {
            List<Network> networks;
            try (var client = connect()) {
                networks = client.call(s -> s.listNetworks(ListNetworksRequest.getDefaultInstance())).getNetworksList();
            }
            if (quiet) {
                networks.forEach(n -> out().println(n.getId()));
            } else {
                Table t = new Table("NETWORK ID", "NAME", "DRIVER", "SUBNET", "INTERNAL", "CONTAINERS");
                for (var n : networks) {
                    t.row(n.getId(), n.getName(), n.getDriver(), n.getSubnet().isEmpty() ? "-" : n.getSubnet(),
                            n.getBuiltin() ? "-" : Boolean.toString(n.getInternal()),
                            n.getBuiltin() ? "-" : Integer.toString(n.getContainersCount()));
                }
                out().print(t.render());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more networks.")
    static final class Inspect extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> refs;

        @Override
        public Integer call() {
            var found = new ArrayList<Network>();
            var errors = new ArrayList<String>();
            try (var client = connect()) {
                for (String ref : refs) {
                    try {
                        found.add(client.call(s -> s.inspectNetwork(InspectNetworkRequest.newBuilder().setRef(ref).build())));
                    } catch (StatusRuntimeException e) {
                        errors.add(SchedulerClient.describe(e));
                    }
                }
            }
            out().println(JsonOutput.array(found));
            out().flush();
            return Services.reportFailures(errors, refs.size(), spec.commandLine().getErr());
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more networks (refused while containers use them).")
    static final class Rm extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> refs;

        @Override
        public Integer call() {
            var errors = new ArrayList<String>();
            try (var client = connect()) {
                for (String ref : refs) {
                    try {
                        client.call(s -> s.removeNetwork(RemoveNetworkRequest.newBuilder().setRef(ref).build()));
                        out().println(ref);
                    } catch (StatusRuntimeException e) {
                        errors.add(SchedulerClient.describe(e));
                    }
                }
            }
            out().flush();
            return Services.reportFailures(errors, refs.size(), spec.commandLine().getErr());
        }
    }

    @Command(name = "connect", description = "Connect a container to a network.")
    static final class Connect extends Sub {
        @Option(names = "--alias", paramLabel = "ALIAS", description = "Add a network-scoped alias for the container")
        List<String> aliases = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() {
            try (var client = connect()) {
                client.call(s -> s.connectNetwork(ConnectNetworkRequest.newBuilder().setNetwork(network)
                        .setContainer(container).addAllAliases(aliases).build()));
            }
            return 0;
        }
    }

    @Command(name = "disconnect", description = "Disconnect a container from a network.")
    static final class Disconnect extends Sub {
        @Option(names = {"-f", "--force"}, description = "Accepted for Docker compatibility")
        boolean force;

        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "CONTAINER")
        String container;

        @Override
        public Integer call() {
            try (var client = connect()) {
                client.call(s -> s.disconnectNetwork(DisconnectNetworkRequest.newBuilder().setNetwork(network)
                        .setContainer(container).setForce(force).build()));
            }
            return 0;
        }
    }

    @Command(name = "prune", description = "Remove all networks no container or service uses.")
    static final class Prune extends Sub {
        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (!force) {
                out().print("WARNING! This will remove all networks not used by at least one container.\n"
                        + "Are you sure you want to continue? [y/N] ");
                out().flush();
                String answer = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
                    return 0;
                }
            }
            List<String> deleted;
            try (var client = connect()) {
                deleted = client.call(s -> s.pruneNetworks(PruneNetworksRequest.getDefaultInstance())).getDeletedList();
            }
            if (!deleted.isEmpty()) {
                out().println("Deleted Networks:");
                deleted.forEach(out()::println);
            }
            out().flush();
            return 0;
        }
    }
}
