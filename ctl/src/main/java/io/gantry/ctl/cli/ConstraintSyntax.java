package io.gantry.ctl.cli;

import io.gantry.proto.Constraint;
import io.gantry.proto.PlacementPreference;
import io.gantry.scheduler.placement.Constraints;

/**
 * The CLI's reading of {@code --constraint} and {@code --placement-pref}, so that a typo is a
 * one-line error before anything is sent: {@code node.name==n1}, {@code node.labels.zone!=a},
 * {@code spread=node.labels.zone}. The scheduler's own parser does the reading, so the CLI
 * and the server accept (and word their refusals) exactly alike.
 */
public final class ConstraintSyntax {
    private ConstraintSyntax() {
    }

    /** The wire form of one rule; IllegalArgumentException with one line on a bad one. */
    public static Constraint constraint(String text) {
        return Constraints.toProto(Constraints.parse(text));
    }

    /** Same rule, same attribute, same value: how {@code --constraint-rm} finds what to remove. */
    public static boolean sameRule(Constraint a, Constraint b) {
        return a.getAttribute().equals(b.getAttribute()) && a.getOp() == b.getOp() && a.getValue().equals(b.getValue());
    }

    /** {@code spread=node.labels.KEY}. */
    public static PlacementPreference preference(String text) {
        return Constraints.toProto(Constraints.parsePreference(text));
    }
}
