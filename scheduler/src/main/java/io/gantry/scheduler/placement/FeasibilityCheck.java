package io.gantry.scheduler.placement;

import java.util.Optional;

/**
 * One filter of the placement pipeline. {@link #admits} is the hot path (no allocation, asked of every node the
 * search visits); {@link #check} explains a refusal and is only asked when a reason is needed. The two must agree.
 */
public interface FeasibilityCheck {
    /** Why the node cannot take the ask, or empty if it can. */
    Optional<Rejection> check(NodeSnapshot node, Ask ask);

    default boolean admits(NodeSnapshot node, Ask ask) {
        return check(node, ask).isEmpty();
    }
}
