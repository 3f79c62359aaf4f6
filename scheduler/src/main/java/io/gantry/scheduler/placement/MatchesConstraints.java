package io.gantry.scheduler.placement;

import java.util.List;
import java.util.Optional;

/**
 * Every constraint of the ask must hold. The reason names the first one that does not, in normalized form so that
 * nodes failing the same rule group together: {@code constraint node.labels.zone==a not met (zone=b)}.
 */
public final class MatchesConstraints implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        List<PlacementConstraint> constraints = ask.constraints();
        for (int i = 0; i < constraints.size(); i++) {
            if (!constraints.get(i).matches(node)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        for (var c : ask.constraints()) {
            if (!c.matches(node)) {
                return Optional.of(new Rejection(node.name(), "constraint " + c.canonical() + " not met", observed(c, node)));
            }
        }
        return Optional.empty();
    }

    /** What the node has instead; nothing for node.name, which the summary already shows. */
    private static String observed(PlacementConstraint c, NodeSnapshot node) {
        if (c.attribute().kind() == NodeAttribute.Kind.NAME) {
            return "";
        }
        String actual = c.attribute().valueOf(node);
        return actual == null ? "no label " + c.attribute().labelKey() : c.attribute().labelKey() + "=" + actual;
    }
}
