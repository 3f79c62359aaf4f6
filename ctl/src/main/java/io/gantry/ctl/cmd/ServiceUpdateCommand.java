package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.CliException;
import io.gantry.ctl.cli.ConstraintSyntax;
import io.gantry.ctl.cli.Flags;
import io.gantry.ctl.cli.SchedulerClient;
import io.gantry.proto.Constraint;
import io.gantry.proto.PlacementPreference;
import io.gantry.proto.Service;
import io.gantry.proto.ServiceSpec;
import io.gantry.proto.UpdateServiceRequest;
import io.gantry.proto.WorkloadSpec;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code gantry service update}: reads the current spec, applies the flags to it, and sends
 * the whole new spec; a changed template rolls out replica by replica, which this command
 * follows unless {@code --detach}.
 */
@Command(name = "update", description = "Update a service; a changed container spec is rolled out gradually.", sortOptions = false)
public final class ServiceUpdateCommand implements Callable<Integer> {
    /** How often progress is polled: cheap on loopback, quick enough to read as live. */
    static final Duration POLL = Duration.ofMillis(250);

    @ParentCommand
    ServiceCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Service image")
    String image;

    @Option(names = "--env-add", paramLabel = "KEY=VALUE", description = "Add or replace an environment variable")
    List<String> envAdd = new ArrayList<>();

    @Option(names = "--env-rm", paramLabel = "KEY", description = "Remove an environment variable")
    List<String> envRm = new ArrayList<>();

    @Option(names = "--label-add", paramLabel = "KEY=VALUE", description = "Add or replace a container label")
    List<String> labelAdd = new ArrayList<>();

    @Option(names = "--label-rm", paramLabel = "KEY", description = "Remove a container label")
    List<String> labelRm = new ArrayList<>();

    @Option(names = "--replicas", paramLabel = "N", description = "Number of replicas")
    Integer replicas;

    @Option(names = {"-m", "--memory"}, paramLabel = "BYTES", description = "Memory limit, e.g. 64m")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs, e.g. 0.5")
    String cpus;

    @Option(names = "--restart", paramLabel = "POLICY", description = "no | on-failure[:max-retries] | always | unless-stopped")
    String restart;

    @Option(names = "--constraint-add", paramLabel = "EXPR", description = "Add a placement constraint, e.g. node.labels.zone==a")
    List<String> constraintAdd = new ArrayList<>();

    @Option(names = "--constraint-rm", paramLabel = "EXPR", description = "Remove a placement constraint")
    List<String> constraintRm = new ArrayList<>();

    @Option(names = "--placement-pref-add", paramLabel = "PREF", description = "Add a placement preference: spread=node.labels.KEY")
    List<String> prefAdd = new ArrayList<>();

    @Option(names = "--placement-pref-rm", paramLabel = "PREF", description = "Remove a placement preference")
    List<String> prefRm = new ArrayList<>();

    @Mixin
    UpdateConfigFlags update = new UpdateConfigFlags();

    @Option(names = "--rollback", description = "Return to the previous spec")
    boolean rollback;

    @Option(names = {"-d", "--detach"}, description = "Exit at once instead of following the rolling update")
    boolean detach;

    @Parameters(paramLabel = "SERVICE")
    String ref;

    @Override
    public Integer call() throws InterruptedException {
        if (rollback && anyChangeGiven()) {
            throw new CliException("--rollback cannot be combined with other update flags", RunCommand.EXIT_GANTRY_ERROR);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (SchedulerClient client = parent.main.connect()) {
            Service before = Services.inspect(client, ref);
            ServiceSpec next = rollback ? before.getSpec() : apply(before.getSpec(), System.getenv());
            Service after;
            try {
                after = client.call(s -> s.updateService(UpdateServiceRequest.newBuilder()
                        .setRef(before.getId()).setSpec(next).setRollback(rollback).build()));
            } catch (StatusRuntimeException e) {
                throw new CliException(Services.describe(e, "service", ref), 1);
            }
            out.println(Services.displayName(after));
            out.flush();
            boolean rollsOut = rollback || !before.getSpec().getTemplate().equals(next.getTemplate());
            if (detach || !rollsOut) {
                return 0;
            }
            return new UpdateProgress(client, out, POLL).follow(before, after, rollback);
        }
    }

    private boolean anyChangeGiven() {
        return image != null || !envAdd.isEmpty() || !envRm.isEmpty() || !labelAdd.isEmpty() || !labelRm.isEmpty()
                || replicas != null || memory != null || cpus != null || restart != null
                || !constraintAdd.isEmpty() || !constraintRm.isEmpty() || !prefAdd.isEmpty() || !prefRm.isEmpty()
                || update.anyGiven();
    }

    /** The current spec with this command's flags applied; CliException (125) on a bad value. */
    ServiceSpec apply(ServiceSpec current, Map<String, String> callerEnv) {
        try {
            ServiceSpec.Builder b = current.toBuilder();
            WorkloadSpec.Builder t = b.getTemplateBuilder();
            if (image != null) {
                WorkloadFlags.checkImage(image);
                t.setImage(image);
            }
            applyEnv(t, callerEnv);
            for (String label : labelAdd) {
                Flags.putLabel(t.getMutableLabels(), label);
            }
            labelRm.forEach(k -> t.getMutableLabels().remove(k.strip()));
            if (memory != null) {
                t.getResourcesBuilder().setMemoryBytes(Flags.memory("--memory", memory));
            }
            if (cpus != null) {
                t.getResourcesBuilder().setCpuMillis(Flags.cpuMillis(cpus));
            }
            if (restart != null) {
                t.setRestart(Flags.restart(restart));
            }
            applyConstraints(t);
            applyPreferences(t);
            if (replicas != null) {
                if (replicas < 0) {
                    throw new IllegalArgumentException("invalid argument \"" + replicas + "\" for \"--replicas\": must not be negative");
                }
                b.setReplicas(replicas);
            }
            update.applyTo(b.getUpdateBuilder());
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), RunCommand.EXIT_GANTRY_ERROR);
        }
    }

    /** As Docker: adds replace a variable in place (or append it), then removals drop every entry of a key. */
    private void applyEnv(WorkloadSpec.Builder t, Map<String, String> callerEnv) {
        if (envAdd.isEmpty() && envRm.isEmpty()) {
            return;
        }
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String kv : t.getEnvList()) {
            byKey.put(envKey(kv), kv);
        }
        for (String add : envAdd) {
            String kv = Flags.env(add, callerEnv);
            if (kv != null) {
                byKey.put(envKey(kv), kv);
            }
        }
        for (String rm : envRm) {
            byKey.remove(rm.strip());
        }
        t.clearEnv().addAllEnv(byKey.values());
    }

    private static String envKey(String kv) {
        int eq = kv.indexOf('=');
        return eq < 0 ? kv : kv.substring(0, eq);
    }

    /** Adds, then removals (Docker's order); a rule is matched by meaning, not spelling. */
    private void applyConstraints(WorkloadSpec.Builder t) {
        if (constraintAdd.isEmpty() && constraintRm.isEmpty()) {
            return;
        }
        List<Constraint> rules = new ArrayList<>(t.getConstraintsList());
        for (String add : constraintAdd) {
            Constraint c = ConstraintSyntax.constraint(add);
            if (rules.stream().noneMatch(r -> ConstraintSyntax.sameRule(r, c))) {
                rules.add(c);
            }
        }
        for (String rm : constraintRm) {
            Constraint gone = ConstraintSyntax.constraint(rm);
            rules.removeIf(c -> ConstraintSyntax.sameRule(c, gone));
        }
        t.clearConstraints().addAllConstraints(rules);
    }

    private void applyPreferences(WorkloadSpec.Builder t) {
        if (prefAdd.isEmpty() && prefRm.isEmpty()) {
            return;
        }
        List<PlacementPreference> prefs = new ArrayList<>(t.getPreferencesList());
        for (String add : prefAdd) {
            PlacementPreference p = ConstraintSyntax.preference(add);
            if (!prefs.contains(p)) {
                prefs.add(p);
            }
        }
        for (String rm : prefRm) {
            prefs.remove(ConstraintSyntax.preference(rm));
        }
        t.clearPreferences().addAllPreferences(prefs);
    }
}
