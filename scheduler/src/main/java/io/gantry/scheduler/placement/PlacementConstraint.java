package io.gantry.scheduler.placement;

/**
 * A hard placement rule, e.g. {@code node.labels.zone==a} or {@code node.name!=node-2}. As in Docker Swarm, a
 * node without the label never equals a value, so {@code ==} fails and {@code !=} holds there. Values compare
 * exactly (case-sensitive). {@code text} is what the user typed, kept for messages.
 */
public record PlacementConstraint(NodeAttribute attribute, Op op, String value, String text) {
    public enum Op {
        EQ("=="), NE("!=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    public PlacementConstraint {
        if (attribute == null || op == null || value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a constraint needs an attribute, an operator and a value");
        }
        text = text == null || text.isBlank() ? attribute + op.symbol() + value : text;
    }

    public boolean matches(NodeSnapshot node) {
        boolean equal = value.equals(attribute.valueOf(node));
        return op == Op.EQ ? equal : !equal;
    }

    /** Normalized form, e.g. {@code node.labels.zone==a}, so identical rules group together in summaries. */
    public String canonical() {
        return attribute + op.symbol() + value;
    }

    @Override
    public String toString() {
        return canonical();
    }
}
