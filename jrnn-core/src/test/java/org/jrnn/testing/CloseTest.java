package org.jrnn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CloseTest {

    @Test
    void passesWithinNormwiseTolerance() {
        // 1e-3 off on an element of size 1e-3 is fine next to a max of 10: 1e-4 relative.
        double[] e = {10.0, 0.001, -2.0};
        float[] a = {10.0f, 0.002f, -2.0f};
        assertThatCode(() -> Close.assertClose("t", e, a, 2e-4)).doesNotThrowAnyException();
        assertThat(Close.relativeError(e, new double[] {10.0, 0.002, -2.0})).isCloseTo(1e-4, within(1e-12));
    }

    @Test
    void failureNamesTensorWorstIndexAndValues() {
        double[] e = {1.0, 2.0, 3.0, 4.0};
        float[] a = {1.0f, 2.0f, 3.5f, 4.0f};
        assertThatThrownBy(() -> Close.assertClose("grad rnn.weight_hh_l0", e, a, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("grad rnn.weight_hh_l0")
                .hasMessageContaining("max abs diff 5.000e-01")
                .hasMessageContaining("index 2 ")
                .hasMessageContaining("expected 3.0")
                .hasMessageContaining("actual 3.5");
    }

    @Test
    void shapeGivesMultiIndex() {
        double[] e = new double[6];
        double[] a = new double[6];
        a[5] = 1;
        assertThatThrownBy(() -> Close.assertClose("logits", new int[] {2, 3}, e, a, 1e-6))
                .hasMessageContaining("index 5 [1, 2]");
    }

    @Test
    void nonFiniteAndLengthMismatchFail() {
        assertThatThrownBy(() -> Close.assertClose("x", new double[] {1, 2}, new float[] {1, Float.NaN}, 1))
                .hasMessageContaining("non-finite")
                .hasMessageContaining("index 1");
        assertThatThrownBy(() -> Close.assertClose("x", new double[] {1, 2}, new float[] {1}, 1))
                .hasMessageContaining("expected 2 values, got 1");
    }

    @Test
    void allZeroExpectedUsesAbsoluteFloor() {
        assertThatCode(() -> Close.assertClose("z", new double[] {0, 0}, new float[] {0, 0}, 1e-6))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Close.assertClose("z", new double[] {0, 0}, new float[] {0, 1e-9f}, 1e-6))
                .isInstanceOf(AssertionError.class);
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
