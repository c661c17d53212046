package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;

class DenseAndLossGradientTest {

    @Test
    void denseGradients() {
        Dense d = new Dense(3);
        d.build(4, new SplittableRandom(1));
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < 3; i++) d.params().get(1).data[i] = (float) rng.nextDouble();
        Matrix x = new Matrix(GradientCheck.randomArray(8, rng), 2, 4, null);
        GradientCheck.checkLayer(d, x, 3);
    }

    /** Each activation's derivative, through dX, weight and bias; pre-activations kept off ReLU's kink by the seed. */
    @Test
    void denseActivationGradients() {
        for (Dense.Activation a : Dense.Activation.values()) {
            Dense d = new Dense(3, a);
            d.build(4, new SplittableRandom(1));
            SplittableRandom rng = new SplittableRandom(2);
            for (int i = 0; i < 3; i++) d.params().get(1).data[i] = (float) rng.nextDouble() - 0.5f;
            Matrix x = new Matrix(GradientCheck.randomArray(8, rng), 2, 4, null);
            float[] y = d.forward(x, false, null).y().data;
            if (a == Dense.Activation.RELU) {
                assertThat(y).as("both sides of the kink are exercised").contains(0f);
                float max = 0;
                for (float v : y) max = Math.max(max, v);
                assertThat(max).isPositive();
            }
            GradientCheck.checkLayer(d, x, 3);
        }
    }

    @Test
    void denseActivationShowsInToString() {
        assertThat(new Dense(4)).hasToString("Dense(4)");
        assertThat(new Dense(4, Dense.Activation.RELU)).hasToString("Dense(4, activation=relu)");
    }

    @Test
    void softmaxCrossEntropyGradient() {
        float[] logits = GradientCheck.randomArray(12, new SplittableRandom(4));
        for (int i = 0; i < logits.length; i++) logits[i] *= 3;
        int[] labels = {0, 2, 1, 2};
        Matrix m = new Matrix(logits, 4, 3, null);
        float[] d = SoftmaxCrossEntropy.compute(m, labels).dLogits();
        GradientCheck.check("softmax-CE dLogits", logits, d, () -> SoftmaxCrossEntropy.compute(m, labels).loss());
    }

    @Test
    void crossEntropyIsStableForLargeLogits() {
        Matrix m = new Matrix(new float[] {1000f, -1000f, 0f, -50f, 100f, 60f}, 2, 3, null);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(m, new int[] {0, 2});
        // row 0: loss ≈ 0; row 1: log(1 + e^-40 + e^-150) - (60 - 100) ≈ 40
        assertThat(r.loss()).isCloseTo(20.0, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(r.correct()).isEqualTo(1);
        for (float v : r.dLogits()) assertThat(Float.isFinite(v)).isTrue();
    }

    @Test
    void labelsOutOfRangeAreRejected() {
        Matrix m = new Matrix(new float[6], 2, 3, null);
        assertThatThrownBy(() -> SoftmaxCrossEntropy.compute(m, new int[] {0, 3}))
                .hasMessageContaining("label 3 outside [0, 3)");
    }

    @Test
    void gradientCheckCatchesAWrongGradient() {
        Dense d = new Dense(2);
        d.build(3, new SplittableRandom(1));
        Matrix x = new Matrix(GradientCheck.randomArray(6, new SplittableRandom(2)), 2, 3, null);
        float[] wrong = new float[6];
        assertThatThrownBy(() -> GradientCheck.check("deliberately wrong", d.params().get(0).data, wrong, () -> {
            Matrix y = d.forward(x, false, null).y();
            double s = 0;
            for (float v : y.data) s += v;
            return s;
        })).isInstanceOf(AssertionError.class).hasMessageContaining("gradient check failed");
    }

    @Test
    void softmaxLogSumExpAndArgmaxAgreeRowByRow() {
        float[] z = {1f, 3f, 3f, -2f, /* */ -1000f, 1000f, 0f, 999f, /* */ 0f, 0f, 0f, 0f, /* */ Float.NaN, 2f, 5f, 1f};
        assertThat(SoftmaxCrossEntropy.argmax(z, 0, 4)).as("first of a tie").isEqualTo(1);
        assertThat(SoftmaxCrossEntropy.argmax(z, 4, 4)).isEqualTo(1);
        assertThat(SoftmaxCrossEntropy.argmax(z, 8, 4)).isEqualTo(0);
        assertThat(SoftmaxCrossEntropy.argmax(z, 12, 4)).as("NaN never wins").isEqualTo(2);
        float[] p = SoftmaxCrossEntropy.softmax(z, 3, 4);
        for (int row = 0; row < 3; row++) {
            int o = row * 4;
            float max = z[o + SoftmaxCrossEntropy.argmax(z, o, 4)];
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += p[o + j];
                // −log p_j is the cross-entropy of label j (stable at ±1000 too: 1 + e^-1 next to e^-2000).
                double ce = SoftmaxCrossEntropy.crossEntropy(z, o, 4, j, max);
                assertThat(Math.exp(-ce)).as("row %d, class %d", row, j).isCloseTo(p[o + j], org.assertj.core.data.Offset.offset(1e-7));
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(SoftmaxCrossEntropy.logSumExp(z, 4, 4, 1000f)).isCloseTo(Math.log(1 + Math.exp(-1)), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(SoftmaxCrossEntropy.crossEntropy(z, 8, 4, 2, 0f)).isCloseTo(Math.log(4), org.assertj.core.data.Offset.offset(1e-12));
    }
}
