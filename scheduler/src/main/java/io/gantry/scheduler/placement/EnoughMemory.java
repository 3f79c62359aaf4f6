package io.gantry.scheduler.placement;

import java.util.Optional;

public final class EnoughMemory implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        return ask.memoryBytes() == 0 || ask.memoryBytes() <= node.freeMemory();
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        if (admits(node, ask)) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(node.name(), "insufficient memory",
                HumanUnits.bytes(Math.max(0, node.freeMemory())) + " free, " + HumanUnits.bytes(ask.memoryBytes()) + " asked"));
    }
}
