package io.gantry.scheduler.placement;

/**
 * A soft rule: spread a service's replicas evenly over the values of a node label (Swarm's
 * {@code --placement-pref spread=node.labels.zone}). Nodes without the label are one more group.
 */
public record SpreadPreference(NodeAttribute attribute) {
    public SpreadPreference {
        if (attribute == null || attribute.kind() != NodeAttribute.Kind.LABEL) {
            throw new IllegalArgumentException("can only spread over node.labels.KEY");
        }
    }

    @Override
    public String toString() {
        return "spread=" + attribute;
    }
}
