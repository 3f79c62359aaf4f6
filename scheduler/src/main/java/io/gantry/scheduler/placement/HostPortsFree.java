package io.gantry.scheduler.placement;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

public final class HostPortsFree implements FeasibilityCheck {
    @Override
    public boolean admits(NodeSnapshot node, Ask ask) {
        List<HostPort> ports = ask.ports();
        for (int i = 0; i < ports.size(); i++) {
            if (node.usedHostPorts().contains(ports.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Optional<Rejection> check(NodeSnapshot node, Ask ask) {
        var taken = new LinkedHashSet<String>();
        for (var p : ask.ports()) {
            if (node.usedHostPorts().contains(p)) {
                taken.add(p.toString());
            }
        }
        return taken.isEmpty() ? Optional.empty()
                : Optional.of(new Rejection(node.name(), "host port already in use", String.join(", ", taken)));
    }
}
