package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;

/** SpatialDropout1D: one mask per (sequence, channel), held over every real step; identity at inference. */
class SpatialDropout1DTest {
    static final int[] LENGTHS = {3, 1, 4}; // unsorted on purpose

    @Test
    void dropsWholeChannelsOfEachSequenceAndScalesTheRest() {
        SpatialDropout1D l = new SpatialDropout1D(0.5);
        Matrix x = GradientCheck.randomSequence(LENGTHS, 6, 1);
        Matrix y = l.forward(x, true, new SplittableRandom(7)).y();
        PackedLayout lay = x.layout;
        int dropped = 0;
        for (int b = 0; b < lay.batch; b++) {
            for (int j = 0; j < 6; j++) {
                // The ratio y/x is 0 or 2 and the same at every step of sequence b.
                float ratio = y.data[lay.row(0, b) * 6 + j] / x.data[lay.row(0, b) * 6 + j];
                assertThat(ratio).isIn(0f, 2f);
                if (ratio == 0f) dropped++;
                for (int t = 1; t < lay.lengths[b]; t++) {
                    int i = lay.row(t, b) * 6 + j;
                    assertThat(y.data[i]).as("b=%d t=%d j=%d", b, t, j).isEqualTo(x.data[i] * ratio);
                }
            }
        }
        assertThat(dropped).isBetween(1, 17); // 18 channels at rate 0.5: neither none nor all
    }

    @Test
    void dropRateIsTheRequestedOne() {
        SpatialDropout1D l = new SpatialDropout1D(0.3);
        int[] lengths = new int[200];
        java.util.Arrays.fill(lengths, 2);
        Matrix x = new Matrix(filled(400 * 50), 400, 50, PackedLayout.ofLengths(lengths));
        Matrix y = l.forward(x, true, new SplittableRandom(3)).y();
        int zeros = 0;
        for (float v : y.data) if (v == 0f) zeros++;
        assertThat(zeros / (double) y.data.length).isBetween(0.28, 0.32); // 10,000 channels, sd 0.0046
    }

    @Test
    void inferenceAndRateZeroAreTheIdentity() {
        Matrix x = GradientCheck.randomSequence(LENGTHS, 4, 2);
        assertThat(new SpatialDropout1D(0.4).forward(x, false, null).y()).isSameAs(x);
        assertThat(new SpatialDropout1D(0).forward(x, true, new SplittableRandom(1)).y()).isSameAs(x);
    }

    @Test
    void gradientWithAFixedMask() {
        // Each evaluation draws the same mask from a fresh generator with the same seed, so f is smooth in x.
        Matrix dx = GradientCheck.checkTrainingMode(new SpatialDropout1D(0.5), GradientCheck.randomSequence(LENGTHS, 5, 3), 9, 4);
        int zeros = 0;
        for (float v : dx.data) if (v == 0f) zeros++;
        assertThat(zeros).as("some channels dropped, so the check covers both cases").isPositive();
    }

    @Test
    void refusesBadRatesAndNonSequences() {
        assertThatThrownBy(() -> new SpatialDropout1D(1)).hasMessageContaining("[0, 1)");
        Matrix flat = new Matrix(new float[6], 2, 3, null);
        assertThatThrownBy(() -> new SpatialDropout1D(0.2).forward(flat, true, new SplittableRandom(1)))
                .hasMessageContaining("expects a sequence input");
    }

    static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
