package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jrnn.testing.Close;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A packed batch computes exactly what the padded + masked batch means: every sequence on its
 * own, unpadded. Checked on loss and every gradient, for a stacked bidirectional model with
 * each pooling head, and with explicit trailing padding in the input (Keras mask_zero).
 */
class PackedEquivalenceTest {
    static final int[][] TOKENS = {{5, 8, 7}, {6, 10, 11, 3, 9, 11, 4}, {12}, {12, 8, 12, 10}, {2, 3}};
    static final int[] LABELS = {2, 0, 1, 2, 1};

    static Sequential model(String head, String cell) {
        Sequential m = new Sequential(11);
        m.add(new Embedding(13, 5, true));
        boolean seqs = !head.equals("last");
        RecurrentLayer first = cell.equals("gru") ? new GRU(4, true) : new LSTM(4, true);
        RecurrentLayer second = cell.equals("gru") ? new GRU(4, seqs) : new LSTM(4, seqs);
        m.add(new Bidirectional(first)).add(new Bidirectional(second));
        if (head.equals("mean")) m.add(new GlobalAveragePooling1D());
        if (head.equals("max")) m.add(new GlobalMaxPooling1D());
        m.add(new Dense(3));
        return m;
    }

    static double lossAndGrads(Sequential m, int[][] tokens, int[] labels) {
        SequenceBatch b = m.batch(tokens);
        Sequential.Pass p = m.forward(b, false, null);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(p.logits(), b.sortLabels(labels));
        m.zeroGrad();
        m.backward(p, new Matrix(r.dLogits(), p.logits().rows, p.logits().cols, null), Gradients.PARAMS);
        return r.loss();
    }

    @ParameterizedTest
    @ValueSource(strings = {"last:lstm", "mean:lstm", "max:lstm", "last:gru", "mean:gru"})
    void packedBatchEqualsEachSequenceAlone(String spec) {
        String head = spec.split(":")[0];
        String cell = spec.split(":")[1];
        Sequential m = model(head, cell);
        List<Param> ps = m.params();
        double batchLoss = lossAndGrads(m, TOKENS, LABELS);
        float[] batchGrads = GradientCheck.concatGrads(ps);
        double sum = 0;
        double[] summed = new double[batchGrads.length];
        for (int i = 0; i < TOKENS.length; i++) {
            sum += lossAndGrads(m, new int[][] {TOKENS[i]}, new int[] {LABELS[i]});
            float[] g = GradientCheck.concatGrads(ps);
            for (int j = 0; j < g.length; j++) summed[j] += g[j] / TOKENS.length;
        }
        assertThat(batchLoss).isCloseTo(sum / TOKENS.length, org.assertj.core.api.Assertions.within(1e-5));
        Close.assertClose(spec + " gradients", summed, batchGrads, 1e-5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"last", "mean", "max"})
    void trailingPaddingIsMasked(String head) {
        Sequential m = model(head, "lstm");
        List<Param> ps = m.params();
        double loss = lossAndGrads(m, TOKENS, LABELS);
        float[] grads = GradientCheck.concatGrads(ps);
        SplittableRandom rng = new SplittableRandom(3);
        int[][] padded = new int[TOKENS.length][];
        for (int i = 0; i < TOKENS.length; i++) padded[i] = Arrays.copyOf(TOKENS[i], TOKENS[i].length + rng.nextInt(4));
        double paddedLoss = lossAndGrads(m, padded, LABELS);
        assertThat(paddedLoss).isEqualTo(loss);
        assertThat(GradientCheck.concatGrads(ps)).containsExactly(grads);
    }
}
