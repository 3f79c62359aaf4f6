package io.gantry.scheduler.placement;

import java.util.Optional;

public final class NodeReady implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        return node.ready();
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        return node.ready() ? Optional.empty() : Optional.of(new Rejection(node.name(), "node not ready", ""));
    }
}
