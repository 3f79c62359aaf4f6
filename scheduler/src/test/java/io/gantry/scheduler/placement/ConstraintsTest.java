package io.gantry.scheduler.placement;

import static io.gantry.scheduler.placement.TestNodes.labelled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.proto.Constraint;
import io.gantry.proto.PlacementPreference;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConstraintsTest {

    @Test
    void parsesLabelAndNameConstraintsWhitespaceTolerant() {
        var c = Constraints.parse("  node.labels.zone == a ");
        assertEquals(NodeAttribute.label("zone"), c.attribute());
        assertEquals(PlacementConstraint.Op.EQ, c.op());
        assertEquals("a", c.value());
        assertEquals("node.labels.zone == a", c.text());
        assertEquals("node.labels.zone==a", c.canonical());

        var n = Constraints.parse("node.name!=node-2");
        assertEquals(NodeAttribute.NODE_NAME, n.attribute());
        assertEquals(PlacementConstraint.Op.NE, n.op());
        assertEquals("node-2", n.value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "foo|invalid constraint \"foo\": must be ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE",
            "node.labels.zone=a|invalid constraint \"node.labels.zone=a\": must be ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE",
            "node.foo==x|invalid constraint \"node.foo==x\": unknown attribute \"node.foo\" (use node.name or node.labels.KEY)",
            "==x|invalid constraint \"==x\": missing attribute before the operator",
            "node.labels.==x|invalid constraint \"node.labels.==x\": missing label key after node.labels.",
            "node.labels.zone==|invalid constraint \"node.labels.zone==\": missing value after ==",
            "node.name==a==b|invalid constraint \"node.name==a==b\": more than one operator",
            "node.labels.my zone==a|invalid constraint \"node.labels.my zone==a\": invalid label key \"my zone\"",
    })
    void badConstraintsAreOneLineErrors(String text, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> Constraints.parse(text));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingLabelNeverEqualsAndAlwaysDiffers() {
        var bare = labelled("n1", Map.of());
        var inA = labelled("n2", Map.of("zone", "a"));
        var eq = Constraints.parse("node.labels.zone==a");
        var ne = Constraints.parse("node.labels.zone!=a");
        assertFalse(eq.matches(bare));
        assertTrue(ne.matches(bare));
        assertTrue(eq.matches(inA));
        assertFalse(ne.matches(inA));
        assertTrue(Constraints.parse("node.name==n1").matches(bare));
        assertFalse(Constraints.parse("node.name==N1").matches(bare), "values compare exactly");
    }

    @Test
    void protoRoundTrip() {
        var c = Constraints.parse("node.labels.zone != b");
        Constraint proto = Constraints.toProto(c);
        assertEquals("node.labels.zone", proto.getAttribute());
        assertEquals(Constraint.Op.NE, proto.getOp());
        assertEquals("b", proto.getValue());
        assertEquals("node.labels.zone != b", proto.getText());
        assertEquals(c, Constraints.fromProto(proto));

        var bad = Constraint.newBuilder().setAttribute("node.role").setValue("x").build();
        var e = assertThrows(IllegalArgumentException.class, () -> Constraints.fromProto(bad));
        assertEquals("invalid constraint \"node.role==x\": unknown attribute \"node.role\" (use node.name or node.labels.KEY)",
                e.getMessage());
    }

    @Test
    void preferences() {
        var p = Constraints.parsePreference(" spread = node.labels.zone ");
        assertEquals(NodeAttribute.label("zone"), p.attribute());
        assertEquals("spread=node.labels.zone", p.toString());
        assertEquals(p, Constraints.fromProto(Constraints.toProto(p)));
        assertEquals(PlacementPreference.newBuilder().setSpread("node.labels.zone").build(), Constraints.toProto(p));

        assertEquals("invalid placement preference \"pack=node.labels.zone\": expected spread=node.labels.KEY",
                assertThrows(IllegalArgumentException.class, () -> Constraints.parsePreference("pack=node.labels.zone")).getMessage());
        assertEquals("invalid placement preference \"spread=node.name\": can only spread over node.labels.KEY",
                assertThrows(IllegalArgumentException.class, () -> Constraints.parsePreference("spread=node.name")).getMessage());
        assertEquals("invalid placement preference \"spread=node.labels.\": missing label key after node.labels.",
                assertThrows(IllegalArgumentException.class, () -> Constraints.parsePreference("spread=node.labels.")).getMessage());
    }
}
