package io.gantry.scheduler.placement;

import java.util.regex.Pattern;

/**
 * A property of a node that constraints and spread preferences refer to: {@code node.name} or
 * {@code node.labels.KEY}. Parsed once so that evaluating it per node is a field read or one map lookup.
 */
public record NodeAttribute(Kind kind, String labelKey) {
    public enum Kind { NAME, LABEL }

    static final String NAME_TEXT = "node.name";
    static final String LABELS_PREFIX = "node.labels.";
    /** Same key syntax the CLI accepts (Docker label keys). */
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]*");

    public NodeAttribute {
        if (kind == Kind.NAME) {
            labelKey = "";
        } else if (labelKey == null || !LABEL_KEY.matcher(labelKey).matches()) {
            throw new IllegalArgumentException("invalid label key \"" + labelKey + "\"");
        }
    }

    public static final NodeAttribute NODE_NAME = new NodeAttribute(Kind.NAME, "");

    public static NodeAttribute label(String key) {
        return new NodeAttribute(Kind.LABEL, key);
    }

    /**
     * {@code node.name} or {@code node.labels.KEY}; anything else is a one-line error without context (callers
     * prefix what they were parsing).
     */
    public static NodeAttribute parse(String text) {
        if (NAME_TEXT.equals(text)) {
            return NODE_NAME;
        }
        if (text != null && text.startsWith(LABELS_PREFIX)) {
            String key = text.substring(LABELS_PREFIX.length());
            if (key.isEmpty()) {
                throw new IllegalArgumentException("missing label key after node.labels.");
            }
            return label(key);
        }
        throw new IllegalArgumentException(text == null || text.isEmpty() ? "missing attribute before the operator"
                : "unknown attribute \"" + text + "\" (use node.name or node.labels.KEY)");
    }

    /** The node's value, or null when it has no such label. */
    public String valueOf(NodeSnapshot node) {
        return kind == Kind.NAME ? node.name() : node.labels().get(labelKey);
    }

    /** For messages: {@code zone} for a label, {@code name} for the node name. */
    public String shortName() {
        return kind == Kind.NAME ? "name" : labelKey;
    }

    @Override
    public String toString() {
        return kind == Kind.NAME ? NAME_TEXT : LABELS_PREFIX + labelKey;
    }
}
