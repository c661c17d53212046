package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-step head: TimeDistributed(Dense) and the masked per-step cross-entropy, alone and under
 * finite differences through unidirectional, bidirectional (each merge mode) and stacked
 * recurrent stacks over masked batches of different lengths, with an ignored real step.
 */
class PerStepGradientTest {
    static final int IGNORE = PerStepCrossEntropy.IGNORE_INDEX;
    /** Lengths 3, 5, 1 and 4 (unsorted); ids 1..8 of a vocabulary of 9, 0 = padding. */
    static final int[][] TOKENS = {{1, 2, 3}, {4, 5, 6, 7, 8}, {2}, {8, 3, 3, 5}};
    /** K = 4 classes; -100 on a real step (sequence 1, step 2) and garbage on the padded steps. */
    static final int[][] TARGETS = {{0, 3, 1, 2, 2}, {2, 1, IGNORE, 0, 3}, {3, 0, 1, 1, 1}, {1, 1, 2, 0, 3}};

    @Test
    void timeDistributedDenseGradients() {
        TimeDistributed td = new TimeDistributed(new Dense(3));
        td.build(4, new SplittableRandom(1));
        RecurrentGradientTest.randomizeBiases(td, 2);
        GradientCheck.checkLayer(td, GradientCheck.randomSequence(new int[] {3, 1, 4}, 4, 3), 4);
    }

    @Test
    void perStepCrossEntropyGradientIgnoresMaskedRows() {
        float[] logits = GradientCheck.randomArray(18, new SplittableRandom(4)); // (6, 3)
        for (int i = 0; i < logits.length; i++) logits[i] *= 3;
        int[] targets = {0, IGNORE, 2, 1, IGNORE, 2};
        Matrix m = new Matrix(logits, 6, 3, null);
        PerStepCrossEntropy.Result r = PerStepCrossEntropy.compute(m, targets, IGNORE);
        GradientCheck.check("per-step CE dLogits", logits, r.dLogits(), () -> PerStepCrossEntropy.compute(m, targets, IGNORE).loss());
        assertThat(r.count()).isEqualTo(4);
        double sum = 0;
        int correct = 0;
        for (int i = 0; i < 6; i++) {
            if (targets[i] == IGNORE) {
                for (int j = 0; j < 3; j++) assertThat(r.dLogits()[i * 3 + j]).as("ignored row %d", i).isZero();
                continue;
            }
            float max = logits[i * 3 + SoftmaxCrossEntropy.argmax(logits, i * 3, 3)];
            sum += SoftmaxCrossEntropy.crossEntropy(logits, i * 3, 3, targets[i], max);
            if (SoftmaxCrossEntropy.argmax(logits, i * 3, 3) == targets[i]) correct++;
        }
        assertThat(r.lossSum()).isEqualTo(sum);
        assertThat(r.loss()).isCloseTo(sum / 4, within(1e-12));
        assertThat(r.correct()).isEqualTo(correct);
    }

    @Test
    void targetsOutsideTheClassesAreRefusedAndNothingCountedIsNaN() {
        Matrix m = new Matrix(new float[6], 2, 3, null);
        assertThatThrownBy(() -> PerStepCrossEntropy.compute(m, new int[] {0, 3}, IGNORE))
                .hasMessageContaining("target 3 outside [0, 3)");
        assertThatThrownBy(() -> PerStepCrossEntropy.compute(m, new int[] {0}, IGNORE)).hasMessageContaining("targets: 1, logits rows: 2");
        PerStepCrossEntropy.Result none = PerStepCrossEntropy.compute(m, new int[] {IGNORE, IGNORE}, IGNORE);
        assertThat(none.count()).isZero();
        assertThat(none.loss()).isNaN();
        assertThat(none.dLogits()).containsOnly(0f);
    }

    static Stream<Arguments> stacks() {
        return Stream.of(
                Arguments.of("SimpleRNN", (Supplier<List<Layer>>) () -> List.of(new SimpleRNN(3, true))),
                Arguments.of("LSTM", (Supplier<List<Layer>>) () -> List.of(new LSTM(3, true))),
                Arguments.of("GRU", (Supplier<List<Layer>>) () -> List.of(new GRU(3, true))),
                Arguments.of("bi-LSTM concat", (Supplier<List<Layer>>) () -> List.of(new Bidirectional(new LSTM(3, true)))),
                Arguments.of("bi-GRU sum", (Supplier<List<Layer>>) () -> List.of(new Bidirectional(new GRU(3, true), Bidirectional.Merge.SUM))),
                Arguments.of("bi-RNN mean", (Supplier<List<Layer>>) () -> List.of(new Bidirectional(new SimpleRNN(3, true), Bidirectional.Merge.MEAN))),
                Arguments.of("bi-LSTM mul", (Supplier<List<Layer>>) () -> List.of(new Bidirectional(new LSTM(3, true), Bidirectional.Merge.MUL))),
                Arguments.of("LSTM, bi-GRU stacked", (Supplier<List<Layer>>) () -> List.of(new LSTM(3, true), new Bidirectional(new GRU(3, true)))),
                Arguments.of("GRU, LSTM, TimeDistributed twice", (Supplier<List<Layer>>) () ->
                        List.of(new GRU(3, true), new LSTM(3, true), new TimeDistributed(new Dense(5)))));
    }

    static Sequential model(List<Layer> layers, boolean masked, long seed) {
        Sequential m = new Sequential(seed).add(new Embedding(9, 4, masked));
        for (Layer l : layers) m.add(l);
        m.add(new TimeDistributed(new Dense(4)));
        for (Layer l : m.layers()) RecurrentGradientTest.randomizeBiases(l, seed + 1);
        return m;
    }

    /** Whole model under the per-step loss: every parameter, the embedding included. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void wholeModelGradientsUnderThePerStepLoss(String name, Supplier<List<Layer>> layers) {
        Sequential m = model(layers.get(), true, 3);
        SequenceBatch batch = m.batch(TOKENS);
        int[] packed = batch.packTargets(TARGETS, IGNORE);
        DoubleSupplier loss = () -> PerStepCrossEntropy.compute(m.forward(batch, false, null).logits(), packed, IGNORE).loss();
        m.zeroGrad();
        Sequential.StepPass s = m.forwardBackwardSteps(batch, TARGETS, IGNORE, null, Gradients.PARAMS);
        assertThat(s.loss().count()).as("real steps minus the ignored one").isEqualTo(3 + 5 + 1 + 4 - 1);
        assertThat(s.pass().logits().rows).isEqualTo(13);
        // Worse conditioned than one layer's Σ y⊙R, as SequentialTest's whole-model check: its step and tolerance.
        for (Param q : m.params()) {
            GradientCheck.check(name + " " + q.name(), q.data, q.grad.clone(), loss, 2e-2, 1e-2);
        }
        float[] g = m.embedding().weight().grad;
        for (int j = 0; j < 4; j++) assertThat(g[j]).as("padding row 0 gets no gradient").isZero();
    }

    /**
     * Padded and ignored steps contribute nothing: the batch's summed loss, correct count and every
     * gradient are those of the sequences run one by one, whatever targets the padded steps hold.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void paddedStepsContributeNothing(String name, Supplier<List<Layer>> layers) {
        Sequential m = model(layers.get(), true, 5);
        int[][] otherPadding = new int[TARGETS.length][];
        for (int b = 0; b < TARGETS.length; b++) {
            otherPadding[b] = TARGETS[b].clone();
            for (int t = TOKENS[b].length; t < otherPadding[b].length; t++) otherPadding[b][t] = 3 - TARGETS[b][t];
        }
        m.zeroGrad();
        PerStepCrossEntropy.Result whole = m.forwardBackwardSteps(m.batch(TOKENS), TARGETS, IGNORE, null, Gradients.PARAMS).loss();
        float[] wholeGrads = GradientCheck.concatGrads(m.params());
        m.zeroGrad();
        PerStepCrossEntropy.Result other = m.forwardBackwardSteps(m.batch(TOKENS), otherPadding, IGNORE, null, Gradients.PARAMS).loss();
        assertThat(other.lossSum()).isEqualTo(whole.lossSum());
        assertThat(GradientCheck.concatGrads(m.params())).containsExactly(wholeGrads);

        double lossSum = 0;
        int count = 0, correct = 0;
        float[] sum = new float[wholeGrads.length];
        for (int b = 0; b < TOKENS.length; b++) {
            m.zeroGrad();
            PerStepCrossEntropy.Result r = m.forwardBackwardSteps(m.batch(new int[][] {TOKENS[b]}), new int[][] {TARGETS[b]}, IGNORE, null,
                    Gradients.PARAMS).loss();
            lossSum += r.lossSum();
            count += r.count();
            correct += r.correct();
            float[] g = GradientCheck.concatGrads(m.params());
            for (int i = 0; i < g.length; i++) sum[i] += g[i] * r.count(); // undo the per-sequence mean
        }
        assertThat(count).isEqualTo(whole.count());
        assertThat(correct).isEqualTo(whole.correct());
        assertThat(lossSum).isCloseTo(whole.lossSum(), within(1e-5));
        float max = 0;
        for (float v : wholeGrads) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < sum.length; i++) {
            assertThat(sum[i] / whole.count()).as("gradient entry %d", i).isCloseTo(wholeGrads[i], within(1e-5f * Math.max(max, 1f)));
        }
    }

    @Test
    void stepProbabilitiesAreTheSoftmaxOfTheTrainingLogitsInTheCallersOrder() {
        for (boolean masked : new boolean[] {true, false}) {
            Sequential m = model(List.of(new Bidirectional(new LSTM(3, true))), masked, 7);
            float[][][] probs = m.predictStepProbabilities(TOKENS);
            float[][][] planned = m.predictStepProbabilities(TOKENS, m.planInference());
            Sequential.Pass pass = m.forward(m.batch(TOKENS), false, null);
            float[][][] logits = Sequential.unpackSteps(pass.logits());
            for (int b = 0; b < TOKENS.length; b++) {
                int steps = masked ? TOKENS[b].length : 5;
                assertThat(probs[b]).as("sequence %d", b).hasNumberOfRows(steps);
                assertThat(logits[b]).hasNumberOfRows(steps);
                for (int t = 0; t < steps; t++) {
                    float[] expected = SoftmaxCrossEntropy.softmax(logits[b][t], 1, 4);
                    assertThat(probs[b][t]).containsExactly(expected);
                    assertThat(planned[b][t]).containsExactly(expected);
                }
            }
            // TOKENS[1] alone gives its per-step outputs of the batch (masked: the others do not leak in).
            if (masked) {
                float[][][] alone = m.predictStepProbabilities(new int[][] {TOKENS[1]});
                for (int t = 0; t < 5; t++) assertThat(alone[0][t]).containsExactly(probs[1][t]);
            }
        }
    }

    @Test
    void aPerStepHeadNeedsASequence() {
        Sequential m = new Sequential(1).add(new Embedding(9, 4, true)).add(new LSTM(3));
        assertThatThrownBy(() -> m.add(new TimeDistributed(new Dense(2))))
                .hasMessageContaining("TimeDistributed(Dense(2)) expects a sequence input").hasMessageContaining("returnSequences=true");
        Sequential classifier = m.add(new Dense(2));
        assertThatThrownBy(() -> classifier.forwardBackwardSteps(classifier.batch(TOKENS), TARGETS, IGNORE, null, Gradients.PARAMS))
                .hasMessageContaining("outputs one vector per sequence");
        Sequential perStep = model(List.of(new LSTM(3, true)), true, 1);
        assertThatThrownBy(perStep::checkClassifier).hasMessageContaining("outputs a sequence");
        assertThatThrownBy(() -> perStep.batch(TOKENS).packTargets(new int[3][], IGNORE)).hasMessageContaining("targets for 3 sequences, batch has 4");
        TimeDistributed td = new TimeDistributed(new Dense(2));
        td.build(3, new SplittableRandom(1));
        assertThatThrownBy(() -> td.forward(new Matrix(new float[6], 2, 3, null), false, null)).hasMessageContaining("expects a sequence input");
    }
}
