package io.gantry.scheduler.placement;

import java.util.Optional;

public final class EnoughCpu implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        return ask.cpuMillis() == 0 || ask.cpuMillis() <= node.freeCpu();
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        if (admits(node, ask)) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(node.name(), "insufficient cpu",
                HumanUnits.cores(Math.max(0, node.freeCpu())) + " free, " + HumanUnits.cores(ask.cpuMillis()) + " asked"));
    }
}
