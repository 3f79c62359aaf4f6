package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.CreateServiceRequest;
import io.gantry.proto.ListServicesRequest;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateConfig;
import io.gantry.proto.WorkloadSpec;
import io.gantry.scheduler.core.NameGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Callable;

/** {@code gantry service create}: {@code run}'s flags, plus how many replicas and how to update them. */
@Command(name = "create", description = "Create a service: N replicas of a container, kept running.", sortOptions = false)
public final class ServiceCreateCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", description = "Service name (default: generated)")
    String name;

    @Option(names = "--replicas", paramLabel = "N", description = "Number of replicas (default 1)")
    int replicas = 1;

    @Option(names = {"-d", "--detach"}, description = "Accepted for Docker compatibility: gantry prints the ID without waiting")
    boolean detach;

    @Mixin
    PlacementFlags placement = new PlacementFlags();

    @Mixin
    UpdateConfigFlags update = new UpdateConfigFlags();

    @Mixin
    WorkloadFlags workload = new WorkloadFlags();

    @Override
    public Integer call() {
        ServiceSpec built = buildSpec(System.getenv());
        Service created;
        try (SchedulerClient client = parent.main.connect()) {
            ServiceSpec serviceSpec = built.getName().isEmpty() ? built.toBuilder().setName(freeName(client)).build() : built;
            created = client.call(s -> s.createService(CreateServiceRequest.newBuilder().setSpec(serviceSpec).build()));
        }
        spec.commandLine().getOut().println(created.getId());
        return 0;
    }

    /** Docker names an unnamed service ({@code brave_otter}); the scheduler wants a name, so the CLI picks one not in use. */
    private static String freeName(SchedulerClient client) {
        Set<String> taken = new HashSet<>();
        client.call(s -> s.listServices(ListServicesRequest.getDefaultInstance())).getServicesList()
                .forEach(sv -> taken.add(sv.getSpec().getName()));
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        return NameGenerator.forId(id, taken::contains);
    }

    ServiceSpec buildSpec(Map<String, String> callerEnv) {
        try {
            if (replicas < 0) {
                throw new IllegalArgumentException("invalid argument \"" + replicas + "\" for \"--replicas\": must not be negative");
            }
            // Services restart their replicas by default, as Docker's do (restart-condition any).
            WorkloadSpec.Builder template = workload.toSpec("always", callerEnv);
            placement.applyTo(template);
            UpdateConfig.Builder config = UpdateConfig.newBuilder();
            update.applyTo(config);
            ServiceSpec.Builder b = ServiceSpec.newBuilder().setTemplate(template).setReplicas(replicas).setUpdate(config);
            if (name != null) {
                b.setName(name);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
        }
    }
}
