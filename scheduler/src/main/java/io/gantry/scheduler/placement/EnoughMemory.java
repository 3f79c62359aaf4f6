package io.gantry.scheduler.placement;

import java.util.Optional;

public final class EnoughMemory implements FeasibilityCheck {
    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        if (ask.memoryBytes() == 0 || ask.memoryBytes() <= node.freeMemory()) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(node.name(), "insufficient memory",
                HumanUnits.bytes(Math.max(0, node.freeMemory())) + " free, " + HumanUnits.bytes(ask.memoryBytes()) + " asked"));
    }
}
