package io.gantry.ctl.cmd;

import io.gantry.ctl.Main;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.InspectRequest;
import io.gantry.proto.PortMapping;
import io.gantry.proto.Workload;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gantry port}: the container's published ports, as published on its node (chosen ports included). */
@Command(name = "port", description = "List port mappings for the container.")
public final class PortCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() {
        Workload w;
        try (SchedulerClient client = main.connect()) {
            w = client.call(s -> s.inspect(InspectRequest.newBuilder().setRef(container).build()));
        }
        var out = spec.commandLine().getOut();
        var ports = w.getPublishedPortsCount() > 0 ? w.getPublishedPortsList() : w.getSpec().getPortsList();
        for (PortMapping p : ports) {
            out.println(format(p, w.getNode()));
        }
        out.flush();
        return 0;
    }

    /** Docker's form, {@code 80/tcp -> 0.0.0.0:8080}; a port still to be chosen shows as 0. */
    static String format(PortMapping p, String node) {
        String proto = p.getProtocol().isEmpty() ? "tcp" : p.getProtocol();
        String ip = p.getHostIp().isEmpty() ? "0.0.0.0" : p.getHostIp();
        return p.getContainerPort() + "/" + proto + " -> " + ip + ":" + p.getHostPort() + (node.isEmpty() ? "" : " (on " + node + ")");
    }
}
