package io.gantry.scheduler.placement;

import io.gantry.proto.Constraint;
import io.gantry.proto.PlacementPreference;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads placement rules as users type them ({@code node.labels.zone==a}, {@code node.name != node-2},
 * {@code spread=node.labels.zone}) and converts them to and from the wire form. Every failure is a one-line
 * {@link IllegalArgumentException} naming the rule, worded like the CLI's own check.
 */
public final class Constraints {
    private Constraints() {}

    /** {@code ATTRIBUTE==VALUE} or {@code ATTRIBUTE!=VALUE}, whitespace around the operator allowed. */
    public static PlacementConstraint parse(String text) {
        String t = text == null ? "" : text.strip();
        int eq = t.indexOf("==");
        int ne = t.indexOf("!=");
        if (eq < 0 && ne < 0) {
            throw invalid(text, "must be ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE");
        }
        boolean isEq = eq >= 0 && (ne < 0 || eq < ne);
        int at = isEq ? eq : ne;
        String attribute = t.substring(0, at).strip();
        String value = t.substring(at + 2).strip();
        if (value.contains("==") || value.contains("!=")) {
            throw invalid(text, "more than one operator");
        }
        NodeAttribute parsed = attribute(text, attribute);
        if (value.isEmpty()) {
            throw invalid(text, "missing value after " + (isEq ? "==" : "!="));
        }
        return new PlacementConstraint(parsed, isEq ? PlacementConstraint.Op.EQ : PlacementConstraint.Op.NE, value, t);
    }

    public static List<PlacementConstraint> parseAll(List<String> texts) {
        var out = new ArrayList<PlacementConstraint>(texts.size());
        for (String t : texts) {
            out.add(parse(t));
        }
        return List.copyOf(out);
    }

    /** {@code spread=node.labels.KEY}. */
    public static SpreadPreference parsePreference(String text) {
        String t = text == null ? "" : text.strip();
        int eq = t.indexOf('=');
        if (eq < 0 || !t.substring(0, eq).strip().equals("spread")) {
            throw new IllegalArgumentException("invalid placement preference \"" + text + "\": expected spread=node.labels.KEY");
        }
        String attribute = t.substring(eq + 1).strip();
        if (!attribute.startsWith(NodeAttribute.LABELS_PREFIX)) {
            throw new IllegalArgumentException("invalid placement preference \"" + text + "\": can only spread over node.labels.KEY");
        }
        try {
            return new SpreadPreference(NodeAttribute.parse(attribute));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid placement preference \"" + text + "\": " + e.getMessage(), e);
        }
    }

    /** The wire form; {@code text} is what the user typed. */
    public static Constraint toProto(PlacementConstraint c) {
        return Constraint.newBuilder().setAttribute(c.attribute().toString())
                .setOp(c.op() == PlacementConstraint.Op.EQ ? Constraint.Op.EQ : Constraint.Op.NE)
                .setValue(c.value()).setText(c.text()).build();
    }

    /** Validates again: a spec from an older or foreign client must fail with a clear line, not mid-placement. */
    public static PlacementConstraint fromProto(Constraint c) {
        String text = c.getText().isBlank() ? c.getAttribute() + (c.getOp() == Constraint.Op.NE ? "!=" : "==") + c.getValue()
                : c.getText();
        PlacementConstraint.Op op = switch (c.getOp()) {
            case EQ -> PlacementConstraint.Op.EQ;
            case NE -> PlacementConstraint.Op.NE;
            case UNRECOGNIZED -> throw invalid(text, "unknown operator");
        };
        NodeAttribute attribute = attribute(text, c.getAttribute().strip());
        String value = c.getValue().strip();
        if (value.isEmpty()) {
            throw invalid(text, "missing value after " + op.symbol());
        }
        return new PlacementConstraint(attribute, op, value, text);
    }

    public static PlacementPreference toProto(SpreadPreference p) {
        return PlacementPreference.newBuilder().setSpread(p.attribute().toString()).build();
    }

    public static SpreadPreference fromProto(PlacementPreference p) {
        return parsePreference("spread=" + p.getSpread());
    }

    public static List<PlacementConstraint> constraintsOf(List<Constraint> protos) {
        var out = new ArrayList<PlacementConstraint>(protos.size());
        for (var c : protos) {
            out.add(fromProto(c));
        }
        return List.copyOf(out);
    }

    public static List<SpreadPreference> preferencesOf(List<PlacementPreference> protos) {
        var out = new ArrayList<SpreadPreference>(protos.size());
        for (var p : protos) {
            out.add(fromProto(p));
        }
        return List.copyOf(out);
    }

    private static NodeAttribute attribute(String text, String attribute) {
        try {
            return NodeAttribute.parse(attribute);
        } catch (IllegalArgumentException e) {
            throw invalid(text, e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid constraint \"" + text + "\": " + why);
    }
}
