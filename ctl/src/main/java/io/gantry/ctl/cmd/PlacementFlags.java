package io.gantry.ctl.cmd;

import io.gantry.ctl.cli.ConstraintSyntax;
import io.gantry.proto.WorkloadSpec;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code --constraint} and {@code --placement-pref}, for {@code run} and {@code service create}. */
public final class PlacementFlags {
    @Option(names = "--constraint", paramLabel = "EXPR", description = "Placement constraint, e.g. node.labels.zone==a or node.name!=n1 (repeatable)")
    List<String> constraints = new ArrayList<>();

    @Option(names = "--placement-pref", paramLabel = "PREF", description = "Placement preference: spread=node.labels.KEY (repeatable)")
    List<String> preferences = new ArrayList<>();

    /** Adds the parsed rules to {@code spec}; IllegalArgumentException on a bad one. */
    void applyTo(WorkloadSpec.Builder spec) {
        for (String c : constraints) {
            spec.addConstraints(ConstraintSyntax.constraint(c));
        }
        for (String p : preferences) {
            spec.addPreferences(ConstraintSyntax.preference(p));
        }
    }
}
