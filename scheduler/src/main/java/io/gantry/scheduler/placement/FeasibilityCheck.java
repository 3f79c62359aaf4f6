package io.gantry.scheduler.placement;

import java.util.Optional;

/** One filter of the placement pipeline: returns why the node cannot take the ask, or empty if it can. */
public interface FeasibilityCheck {
    Optional<Rejection> check(NodeSnapshot node, Ask ask);
}
