package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;

/**
 * Dropout in training: each entry zeroed with probability rate, the rest scaled by 1/(1−rate)
 * (inverted dropout, so the expected output is the input); the identity at inference. Seeded,
 * so the statistics below are fixed numbers, with bounds of several standard deviations.
 */
class DropoutTest {

    static Matrix ones(int rows, int cols) {
        float[] a = new float[rows * cols];
        java.util.Arrays.fill(a, 1f);
        return new Matrix(a, rows, cols, null);
    }

    @Test
    void dropsTheRequestedFractionAndScalesTheRestByOneOverOneMinusRate() {
        for (double rate : new double[] {0.1, 0.3, 0.5, 0.8}) {
            Matrix x = ones(2000, 50); // 100,000 entries
            Matrix y = new Dropout(rate).forward(x, true, new SplittableRandom(11)).y();
            float scale = (float) (1.0 / (1.0 - rate));
            int zeros = 0;
            double sum = 0;
            for (float v : y.data) {
                if (v == 0f) zeros++;
                else assertThat(v).as("rate %s: a kept entry", rate).isEqualTo(scale);
                sum += v;
            }
            double sd = Math.sqrt(rate * (1 - rate) / y.data.length); // ≤ 0.0016
            assertThat(zeros / (double) y.data.length).as("rate %s: dropped fraction", rate).isCloseTo(rate, org.assertj.core.data.Offset.offset(6 * sd));
            // Inverted dropout keeps the mean: E[y] = x = 1 (sd of the mean: sqrt(rate/(1−rate)/n) ≤ 0.0064).
            assertThat(sum / y.data.length).as("rate %s: mean", rate).isCloseTo(1.0, org.assertj.core.data.Offset.offset(6 * Math.sqrt(rate / (1 - rate) / y.data.length)));
        }
    }

    @Test
    void eachEntryIsDroppedOnItsOwnAndTheMaskFollowsTheSeed() {
        Dropout d = new Dropout(0.5);
        Matrix x = GradientCheck.randomSequence(new int[] {3, 1, 4}, 6, 1);
        Matrix a = d.forward(x, true, new SplittableRandom(5)).y();
        Matrix b = d.forward(x, true, new SplittableRandom(5)).y();
        Matrix c = d.forward(x, true, new SplittableRandom(6)).y();
        assertThat(a.data).containsExactly(b.data);
        assertThat(a.data).isNotEqualTo(c.data);
        assertThat(a.layout).isSameAs(x.layout);
        // Unlike SpatialDropout1D, one sequence's channel is not dropped at every step alike.
        int mixed = 0;
        PackedLayout lay = x.layout;
        for (int j = 0; j < 6; j++) {
            int b0 = 0; // the longest sequence, four steps
            boolean anyKept = false, anyDropped = false;
            for (int t = 0; t < lay.lengths[b0]; t++) {
                boolean dropped = a.data[lay.row(t, b0) * 6 + j] == 0f;
                anyKept |= !dropped;
                anyDropped |= dropped;
            }
            if (anyKept && anyDropped) mixed++;
        }
        assertThat(mixed).isPositive();
    }

    @Test
    void inferenceAndRateZeroAreTheIdentity() {
        Matrix x = GradientCheck.randomSequence(new int[] {3, 1, 4}, 4, 2);
        Dropout d = new Dropout(0.4);
        Layer.Forward f = d.forward(x, false, null);
        assertThat(f.y()).isSameAs(x);
        assertThat(d.infer(x)).isSameAs(x);
        Matrix dy = GradientCheck.randomSequence(new int[] {3, 1, 4}, 4, 3);
        assertThat(d.backward(f.cache(), dy, Gradients.PARAMS)).isSameAs(dy);
        assertThat(new Dropout(0).forward(x, true, new SplittableRandom(1)).y()).isSameAs(x);
    }

    @Test
    void gradientWithAFixedMask() {
        // Each evaluation draws the same mask from a fresh generator with the same seed, so f is smooth in x.
        for (Matrix x : new Matrix[] {GradientCheck.randomSequence(new int[] {3, 1, 4}, 5, 3),
                                      new Matrix(GradientCheck.randomArray(12, new SplittableRandom(4)), 3, 4, null)}) {
            Matrix dx = GradientCheck.checkTrainingMode(new Dropout(0.4), x, 9, 4);
            int zeros = 0;
            for (float v : dx.data) if (v == 0f) zeros++;
            assertThat(zeros).as("some entries dropped, so the check covers both cases").isBetween(1, dx.data.length - 1);
        }
    }

    @Test
    void refusesRatesOutsideZeroToOne() {
        for (double bad : new double[] {-0.1, 1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> new Dropout(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1)");
        }
    }
}
