package io.gantry.ctl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.List;

/** JSON that arrives as text (an agent's inspect answer), printed in {@link JsonOutput}'s Docker layout. */
public final class JsonArrays {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withArrayEmptySeparator("").withObjectEmptySeparator(""))
            .withArrayIndenter(new DefaultIndenter("    ", "\n"))
            .withObjectIndenter(new DefaultIndenter("    ", "\n")));

    private JsonArrays() {
    }

    /** Parses one JSON text; a malformed one becomes a one-line error. */
    public static JsonNode parse(String json, String what) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CliException("malformed JSON in " + what + ": " + e.getOriginalMessage());
        }
    }

    public static String render(List<JsonNode> nodes) {
        if (nodes.isEmpty()) {
            return "[]";
        }
        ArrayNode array = MAPPER.createArrayNode();
        nodes.forEach(array::add);
        try {
            return WRITER.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print as JSON: " + e.getMessage(), e);
        }
    }
}
