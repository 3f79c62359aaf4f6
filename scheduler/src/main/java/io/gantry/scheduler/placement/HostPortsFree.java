package io.gantry.scheduler.placement;

import java.util.Optional;
import java.util.stream.Collectors;

public final class HostPortsFree implements FeasibilityCheck {
    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        var taken = ask.ports().stream().filter(node.usedHostPorts()::contains).map(HostPort::toString).distinct()
                .collect(Collectors.joining(", "));
        return taken.isEmpty() ? Optional.empty()
                : Optional.of(new Rejection(node.name(), "host port already in use", taken));
    }
}
