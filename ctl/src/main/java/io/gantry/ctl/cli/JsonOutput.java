package io.gantry.ctl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import java.util.List;

/**
 * The JSON {@code inspect} commands print: protobuf's JSON mapping (all fields, defaults
 * included), laid out as Docker does (an array, 4-space indent, {@code "key": value}).
 * Re-written through Jackson because JsonFormat HTML-escapes {@code =} as {@code \u003d},
 * which would mangle every {@code KEY=VALUE} and constraint a user reads.
 */
public final class JsonOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withArrayEmptySeparator("").withObjectEmptySeparator(""))
            .withArrayIndenter(new DefaultIndenter("    ", "\n"))
            .withObjectIndenter(new DefaultIndenter("    ", "\n")));

    private JsonOutput() {
    }

    public static String array(List<? extends MessageOrBuilder> messages) {
        ArrayNode array = MAPPER.createArrayNode();
        try {
            for (MessageOrBuilder m : messages) {
                array.add(MAPPER.readTree(JsonFormat.printer().includingDefaultValueFields().print(m)));
            }
            if (array.isEmpty()) {
                return "[]";
            }
            return WRITER.writeValueAsString(array);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new IllegalStateException("cannot print as JSON: " + e.getMessage(), e);
        }
    }

    /** One message, same layout (for tests and single-object output). */
    public static String object(MessageOrBuilder message) {
        try {
            JsonNode node = MAPPER.readTree(JsonFormat.printer().includingDefaultValueFields().print(message));
            return WRITER.writeValueAsString(node);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new IllegalStateException("cannot print as JSON: " + e.getMessage(), e);
        }
    }
}
