package io.gantry.ctl.cli;

import io.gantry.proto.Constraint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConstraintSyntaxTest {
    @Test
    void readsEqualityAndInequality() {
        Constraint eq = ConstraintSyntax.constraint("node.labels.zone==eu-1");
        assertThat(eq.getAttribute()).isEqualTo("node.labels.zone");
        assertThat(eq.getOp()).isEqualTo(Constraint.Op.EQ);
        assertThat(eq.getValue()).isEqualTo("eu-1");
        assertThat(eq.getText()).isEqualTo("node.labels.zone==eu-1");
        Constraint ne = ConstraintSyntax.constraint("  node.name != n1 ");
        assertThat(ne.getOp()).isEqualTo(Constraint.Op.NE);
        assertThat(ne.getValue()).isEqualTo("n1");
        assertThat(ne.getText()).as("as typed").isEqualTo("node.name != n1");
        assertThat(ConstraintSyntax.constraint("node.labels.k8s.io/role==a=b").getValue()).isEqualTo("a=b");
        assertThat(ConstraintSyntax.sameRule(ConstraintSyntax.constraint("node.name == a"), ConstraintSyntax.constraint("node.name==a"))).isTrue();
        assertThat(ConstraintSyntax.sameRule(ConstraintSyntax.constraint("node.name!=a"), ConstraintSyntax.constraint("node.name==a"))).isFalse();
    }

    @Test
    void badConstraintsAreOneLine() {
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.labels.zone=a"))
                .hasMessage("invalid constraint \"node.labels.zone=a\": must be ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.role==manager"))
                .hasMessage("invalid constraint \"node.role==manager\": unknown attribute \"node.role\" (use node.name or node.labels.KEY)");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.labels.==a")).hasMessageContaining("missing label key");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("==a")).hasMessageContaining("missing attribute");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.name==")).hasMessageContaining("missing value after ==");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.name==a!=b")).hasMessageContaining("more than one operator");
        assertThatThrownBy(() -> ConstraintSyntax.constraint("node.labels.a b==c")).hasMessageContaining("invalid label key");
    }

    @Test
    void preferencesSpreadOverLabels() {
        assertThat(ConstraintSyntax.preference("spread=node.labels.zone").getSpread()).isEqualTo("node.labels.zone");
        assertThatThrownBy(() -> ConstraintSyntax.preference("spread=node.name")).hasMessageContaining("can only spread over node.labels.KEY");
        assertThatThrownBy(() -> ConstraintSyntax.preference("pack=node.labels.zone")).hasMessageContaining("expected spread=node.labels.KEY");
    }
}
