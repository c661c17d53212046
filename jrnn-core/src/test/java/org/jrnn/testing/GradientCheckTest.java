package org.jrnn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** The checker itself: its estimate is fourth order, and it fails a gradient that is 0.5 % off. */
class GradientCheckTest {

    /** f = Σ w_i · tanh(x_i)³, smooth and with a large third derivative, computed from float x. */
    static DoubleSupplier f(float[] x, float[] w) {
        return () -> {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[i] * Math.pow(Math.tanh(x[i]), 3);
            return s;
        };
    }

    static float[] gradient(float[] x, float[] w) {
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double t = Math.tanh(x[i]);
            g[i] = (float) (w[i] * 3 * t * t * (1 - t * t));
        }
        return g;
    }

    @Test
    void theFivePointStencilRemovesTheSecondOrderError() {
        float[] x = GradientCheck.randomArray(20, new SplittableRandom(1));
        float[] w = GradientCheck.randomArray(20, new SplittableRandom(2));
        double err = GradientCheck.error(x, gradient(x, w), f(x, w), GradientCheck.EPS).relative();
        // A plain central difference at this step is off by ε²/6 · f''' / f' ≈ 1e-3 here; the stencil by far less.
        assertThat(err).isLessThan(GradientCheck.TOLERANCE / 10);
        float[] x0 = x.clone();
        GradientCheck.error(x, gradient(x, w), f(x, w), GradientCheck.EPS);
        assertThat(x).as("every entry restored").containsExactly(x0);
    }

    @Test
    void aGradientHalfAPercentOffFails() {
        float[] x = GradientCheck.randomArray(20, new SplittableRandom(3));
        float[] w = GradientCheck.randomArray(20, new SplittableRandom(4));
        float[] g = gradient(x, w);
        assertThatCode(() -> GradientCheck.check("right", x, g, f(x, w))).doesNotThrowAnyException();
        float[] scaled = g.clone();
        for (int i = 0; i < scaled.length; i++) scaled[i] *= 1.005f;
        assertThatThrownBy(() -> GradientCheck.check("0.5 % off", x, scaled, f(x, w)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("0.5 % off: gradient check failed");
        float[] oneEntry = g.clone();
        int biggest = 0;
        for (int i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[biggest])) biggest = i;
        oneEntry[biggest] *= 1.005f;
        assertThatThrownBy(() -> GradientCheck.check("one entry 0.5 % off", x, oneEntry, f(x, w)))
                .hasMessageContaining("worst at [" + biggest + "]");
    }

    @Test
    void aLooserCheckTakesItsOwnStepAndTolerance() {
        float[] x = GradientCheck.randomArray(8, new SplittableRandom(5));
        float[] w = GradientCheck.randomArray(8, new SplittableRandom(6));
        float[] g = gradient(x, w);
        for (int i = 0; i < g.length; i++) g[i] *= 1.005f;
        assertThatCode(() -> GradientCheck.check("loose", x, g, f(x, w), 2e-2, 1e-2)).doesNotThrowAnyException();
        assertThatThrownBy(() -> GradientCheck.check("tight", x, g, f(x, w), 2e-2, 1e-3)).isInstanceOf(AssertionError.class);
    }
}
