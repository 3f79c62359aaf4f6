package io.gantry.scheduler.placement;

import java.util.Optional;

/** A draining node keeps what it runs until moved away, but gets nothing new. */
public final class NodeActive implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        return !node.draining();
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        return node.draining() ? Optional.of(new Rejection(node.name(), "node is draining", "")) : Optional.empty();
    }
}
