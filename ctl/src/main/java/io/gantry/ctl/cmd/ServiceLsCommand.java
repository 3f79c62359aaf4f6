package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.ctl.cli.Table;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.Service;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry service ls}. */
@Command(name = "ls", aliases = "list", description = "List services.")
public final class ServiceLsCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-q", "--quiet"}, description = "Only display IDs")
    boolean quiet;

    @Override
    public Integer call() {
        List<Service> services;
        try (SchedulerClient client = parent.main.connect()) {
            services = client.call(s -> s.listServices(ListServicesRequest.getDefaultInstance())).getServicesList();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (quiet) {
            services.forEach(s -> out.println(s.getId()));
        } else {
            out.print(render(services));
        }
        out.flush();
        return 0;
    }

    static String render(List<Service> services) {
        Table t = new Table("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "UPDATE");
        services.stream().sorted(Comparator.comparing(Services::displayName)).forEach(s -> t.row(
                s.getId(), Services.displayName(s), "replicated",
                s.getRunning() + "/" + desired(s),
                s.getSpec().getTemplate().getImage(),
                Services.updateColumn(s.getUpdateStatus())));
        return t.render();
    }

    /** The scheduler's count; the spec's when a scheduler left it out. */
    private static int desired(Service s) {
        return s.getDesired() > 0 ? s.getDesired() : s.getSpec().getReplicas();
    }
}
