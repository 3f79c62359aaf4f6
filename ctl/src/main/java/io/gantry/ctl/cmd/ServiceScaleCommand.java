package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.ScaleServiceRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gantry service scale web=3 api=5}: all specifiers are checked before any is sent. */
@Command(name = "scale", description = "Scale one or more services: SERVICE=REPLICAS.")
public final class ServiceScaleCommand implements Callable<Integer> {
    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SERVICE=REPLICAS")
    List<String> specifiers;

    record Target(String service, int replicas) {
        static Target parse(String specifier) {
            int eq = specifier.indexOf('=');
            if (eq <= 0 || eq == specifier.length() - 1) {
                throw new IllegalArgumentException("invalid scale specifier \"" + specifier + "\": expected SERVICE=REPLICAS");
            }
            String value = specifier.substring(eq + 1).strip();
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid replicas value \"" + value + "\" in \"" + specifier + "\": expected a whole number");
            }
            if (n < 0) {
                throw new IllegalArgumentException("invalid replicas value \"" + value + "\" in \"" + specifier + "\": must not be negative");
            }
            return new Target(specifier.substring(0, eq).strip(), n);
        }
    }

    @Override
    public Integer call() {
        List<Target> targets = new ArrayList<>();
        for (String s : specifiers) {
            try {
                targets.add(Target.parse(s));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> errors = new ArrayList<>();
        try (SchedulerClient client = parent.main.connect()) {
            for (Target t : targets) {
                try {
                    client.call(s -> s.scaleService(ScaleServiceRequest.newBuilder().setRef(t.service()).setReplicas(t.replicas()).build()));
                    out.println(t.service() + " scaled to " + t.replicas());
                } catch (StatusRuntimeException e) {
                    errors.add(Services.describe(e, "service", t.service()));
                }
            }
        }
        out.flush();
        return Services.reportFailures(errors, targets.size(), err);
    }
}
