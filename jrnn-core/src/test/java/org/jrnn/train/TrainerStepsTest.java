package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.jrnn.data.StepDataset;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Gradients;
import org.jrnn.nn.Param;
import org.jrnn.nn.RecurrentStates;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.testing.Close;
import org.junit.jupiter.api.Test;

/** The per-step mode of the fit loop: sharded gradients, the masked mean, learning, evaluation. */
class TrainerStepsTest {
    static final int V = 9;

    /** Next-token data of a cyclic pattern 2,3,...,8 from random starts; the last step's target ignored in odd rows. */
    static StepDataset data(int n, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int[][] tokens = new int[n][];
        int[][] targets = new int[n][];
        for (int i = 0; i < n; i++) {
            int len = 2 + rng.nextInt(10);
            int start = rng.nextInt(7);
            tokens[i] = new int[len];
            targets[i] = new int[len];
            for (int t = 0; t < len; t++) {
                tokens[i][t] = 2 + (start + t) % 7;
                targets[i][t] = 2 + (start + t + 1) % 7;
            }
            if (i % 2 == 1) targets[i][len - 1] = StepDataset.IGNORE;
        }
        return new StepDataset(tokens, targets, V);
    }

    static Sequential model(long seed) {
        return ModelSpec.fromJson(6, true, List.of(LayerSpec.rnn("LSTM", 7, true), LayerSpec.rnn("GRU", 5, true),
                LayerSpec.timeDistributed(V))).build(V, V, seed);
    }

    @Test
    void shardedGradientsAreTheWholeBatchGradientsOfTheMaskedMean() {
        StepDataset d = data(11, 3);
        Sequential ref = model(1);
        ref.zeroGrad();
        var whole = ref.forwardBackwardSteps(ref.batch(d.tokens()), d.targets(), StepDataset.IGNORE, null, Gradients.PARAMS);
        Sequential m = model(1);
        // A huge epsilon-free comparison: lr tiny, so only the gradients (left in Param.grad) matter here.
        try (Trainer t = new Trainer(m, Adam.keras(1e-9), 3)) {
            Trainer.Steps r = t.trainSteps(d.tokens(), d.targets(), 0);
            assertThat(r.count()).isEqualTo(whole.loss().count());
            assertThat(r.correct()).isEqualTo(whole.loss().correct());
            Close.assertClose("loss", whole.loss().loss(), r.loss(), 1e-6);
        }
        List<Param> a = ref.params();
        List<Param> b = m.params();
        for (int i = 0; i < a.size(); i++) {
            double[] expected = new double[a.get(i).grad.length];
            for (int j = 0; j < expected.length; j++) expected[j] = a.get(i).grad[j];
            Close.assertClose(a.get(i).name(), expected, b.get(i).grad, 1e-5);
        }
    }

    @Test
    void fitStepsLearnsTheNextTokenAndIsDeterministic() {
        float[][] finals = new float[2][];
        List<EpochMetrics> h = null;
        for (int run = 0; run < 2; run++) {
            Sequential m = model(2);
            try (Trainer t = new Trainer(m, Adam.keras(2e-2), 2)) {
                h = t.fitSteps(new Trainer.StepFit(data(96, 4), data(32, 5), 12, 8, 6), TrainingListener.NONE);
                Evaluation e = t.evaluateSteps(data(32, 5), 256); // the batch size fitSteps validates with
                assertThat(e.loss()).isEqualTo(h.get(h.size() - 1).valLoss());
                assertThat(e.samples()).isEqualTo(data(32, 5).countedSteps());
            }
            finals[run] = TrainerTest.weights(m);
        }
        assertThat(finals[1]).containsExactly(finals[0]);
        EpochMetrics last = h.get(h.size() - 1);
        assertThat(last.samples()).isEqualTo(data(96, 4).countedSteps()); // per-step: samples are counted steps
        assertThat(last.realTokens()).isEqualTo(data(96, 4).realTokens());
        assertThat(last.loss()).isLessThan(h.get(0).loss());
        assertThat(last.valAccuracy()).isGreaterThan(0.95);
    }

    @Test
    void singleThreadedEvaluationGivesTheSameFigures() {
        Sequential m = model(3);
        StepDataset d = data(20, 8);
        try (Trainer t = new Trainer(m, Adam.keras(), 2)) {
            assertThat(Trainer.evaluateSteps(m, d, 3)).isEqualTo(t.evaluateSteps(d, 3));
        }
    }

    @Test
    void aBatchWithoutCountedStepsChangesNothing() {
        Sequential m = model(4);
        float[] before = TrainerTest.weights(m);
        try (Trainer t = new Trainer(m, Adam.keras(), 1)) {
            Trainer.Steps r = t.trainSteps(new int[][] {{2, 3}}, new int[][] {{StepDataset.IGNORE}}, 0);
            assertThat(r.count()).isZero();
        }
        assertThat(TrainerTest.weights(m)).containsExactly(before);
    }

    @Test
    void classifierAndPerStepEntryPointsRefuseTheOtherKindOfModel() {
        try (Trainer t = new Trainer(model(5), Adam.keras(), 1)) {
            assertThatThrownBy(() -> t.trainStep(new int[][] {{2}}, new int[] {0}, 0)).hasMessageContaining("trainSteps");
        }
        try (Trainer t = new Trainer(TrainerTest.model(), Adam.keras(), 1)) {
            assertThatThrownBy(() -> t.trainSteps(new int[][] {{2}}, new int[][] {{0}}, 0)).hasMessageContaining("trainStep");
        }
    }

    @Test
    void windowsCutTokensAndTargetsAtTheSamePlaces() {
        StepDataset d = new StepDataset(new int[][] {{1, 2, 3, 4, 5}, {6, 7}}, new int[][] {{2, 3, 4, 5, 6}, {7}}, 9);
        assertThat(d.windowCount(0, 2)).isEqualTo(3);
        assertThat(d.windowCount(1, 2)).isEqualTo(1);
        assertThat(d.windowCount(0, 0)).isEqualTo(1);
        assertThat(d.window(0, 2).tokens()).isDeepEqualTo(new int[][] {{1, 2}, {6, 7}});
        assertThat(d.window(0, 2).targets()).isDeepEqualTo(new int[][] {{2, 3}, {7}});
        assertThat(d.window(1, 2).tokens()).isDeepEqualTo(new int[][] {{3, 4}});
        assertThat(d.window(1, 2).targets()).isDeepEqualTo(new int[][] {{4, 5}});
        assertThat(d.window(2, 2).tokens()).isDeepEqualTo(new int[][] {{5}});
        assertThat(d.window(2, 2).targets()).isDeepEqualTo(new int[][] {{6}});
        assertThat(d.window(3, 2).size()).isZero();
        assertThat(d.window(0, 2).tokens()[1]).isSameAs(d.tokens()[1]); // a row that is one window whole is not copied
        assertThat(d.window(0, 0)).isSameAs(d);
        assertThatThrownBy(() -> d.window(0, -1)).hasMessageContaining("window steps must be >= 0");
    }

    /** Texts of 10, 7, 3 and 9 tokens: with bptt 4 they have 3, 2, 1 and 3 windows. */
    static StepDataset texts() {
        int[] lengths = {10, 7, 3, 9};
        int[][] tokens = new int[lengths.length][];
        int[][] targets = new int[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            tokens[i] = new int[lengths[i]];
            targets[i] = new int[lengths[i]];
            for (int t = 0; t < lengths[i]; t++) {
                tokens[i][t] = 2 + (3 * i + t) % 7;
                targets[i][t] = 2 + (3 * i + t + 1) % 7;
            }
        }
        return new StepDataset(tokens, targets, V);
    }

    /** Epoch 1 (seed 6, one batch of all texts) by hand: window k of each text, cut here, its state carried or not. */
    static double[] byHand(Sequential m, boolean carry) {
        StepDataset d = texts();
        int bptt = 4;
        StepDataset rows = d.select(Shuffle.permutation(d.size(), 6));
        double lossSum = 0;
        long seen = 0;
        try (Trainer t = new Trainer(m, Adam.keras(2e-2), 2)) {
            RecurrentStates state = null;
            int[] prev = null;
            for (int k = 0; k < 3; k++) {
                java.util.List<Integer> have = new java.util.ArrayList<>();
                java.util.List<Integer> at = new java.util.ArrayList<>();
                for (int i = 0; i < rows.size(); i++) {
                    if (rows.tokens()[i].length <= k * bptt) continue;
                    have.add(i);
                    if (k > 0) at.add(java.util.Arrays.binarySearch(prev, i));
                }
                int[][] ids = new int[have.size()][];
                int[][] ys = new int[have.size()][];
                for (int j = 0; j < ids.length; j++) {
                    int[] tok = rows.tokens()[have.get(j)];
                    int to = Math.min(tok.length, (k + 1) * bptt);
                    ids[j] = java.util.Arrays.copyOfRange(tok, k * bptt, to);
                    ys[j] = java.util.Arrays.copyOfRange(rows.targets()[have.get(j)], k * bptt, to);
                }
                RecurrentStates initial = carry && k > 0 ? state.select(at.stream().mapToInt(Integer::intValue).toArray()) : null;
                Trainer.CarriedSteps r = t.trainSteps(ids, ys, 0, initial);
                lossSum += r.steps().loss() * r.steps().count();
                seen += r.steps().count();
                state = r.finalStates();
                prev = have.stream().mapToInt(Integer::intValue).toArray();
            }
        }
        return new double[] {lossSum / seen, seen};
    }

    /**
     * One epoch of one batch with --bptt 4: the loop's window-steps are the hand-made sequence of
     * trainSteps calls, each text's window k+1 started from its window k's final state (weights
     * and loss bit for bit, two shards); the same windows from zero states end elsewhere, so the
     * carried state is really used.
     */
    @Test
    void bpttWindowsOfATextShareItsState() {
        Sequential fitted = model(2);
        List<EpochMetrics> h;
        try (Trainer t = new Trainer(fitted, Adam.keras(2e-2), 2)) {
            h = t.fitSteps(new Trainer.StepFit(texts(), null, 1, 8, 6, 4), TrainingListener.NONE);
        }
        Sequential carried = model(2);
        double[] byHand = byHand(carried, true);
        assertThat(TrainerTest.weights(fitted)).containsExactly(TrainerTest.weights(carried));
        assertThat(h.get(0).loss()).isEqualTo(byHand[0]);
        assertThat(h.get(0).samples()).isEqualTo((long) byHand[1]).isEqualTo(texts().countedSteps());
        assertThat(h.get(0).realTokens()).isEqualTo(texts().realTokens());

        Sequential zero = model(2);
        double[] fromZero = byHand(zero, false);
        assertThat(fromZero[0]).isNotEqualTo(byHand[0]);
        assertThat(TrainerTest.weights(zero)).isNotEqualTo(TrainerTest.weights(fitted));
    }

    /**
     * Texts no longer than the window train as without a cut: the loss history and weights of a
     * run with bptt 12 (every text here has at most 11 tokens) are the bptt-0 run's, bit for bit.
     */
    @Test
    void aWindowLongerThanEveryTextChangesNothing() {
        List<List<EpochMetrics>> histories = new java.util.ArrayList<>();
        List<float[]> weights = new java.util.ArrayList<>();
        for (int bptt : new int[] {0, 12}) {
            Sequential m = model(7);
            try (Trainer t = new Trainer(m, Adam.keras(2e-2), 2)) {
                histories.add(t.fitSteps(new Trainer.StepFit(data(40, 4), data(12, 5), 2, 8, 6, bptt), TrainingListener.NONE));
            }
            weights.add(TrainerTest.weights(m));
        }
        assertThat(weights.get(1)).containsExactly(weights.get(0));
        for (int e = 0; e < 2; e++) {
            EpochMetrics a = histories.get(0).get(e);
            EpochMetrics b = histories.get(1).get(e);
            assertThat(b.loss()).isEqualTo(a.loss());
            assertThat(b.accuracy()).isEqualTo(a.accuracy());
            assertThat(b.valLoss()).isEqualTo(a.valLoss());
            assertThat(b.samples()).isEqualTo(a.samples());
        }
        // ... while a window shorter than the texts trains otherwise.
        Sequential cut = model(7);
        try (Trainer t = new Trainer(cut, Adam.keras(2e-2), 2)) {
            List<EpochMetrics> c = t.fitSteps(new Trainer.StepFit(data(40, 4), data(12, 5), 2, 8, 6, 3), TrainingListener.NONE);
            assertThat(c.get(0).samples()).isEqualTo(histories.get(0).get(0).samples());
            assertThat(c.get(0).loss()).isNotEqualTo(histories.get(0).get(0).loss());
        }
    }

    /**
     * Checkpoints fall between text batches, where no state is carried: with 3 windows per batch and
     * a checkpoint due every 2 optimizer steps, the one due at step 2 is taken after step 3 (the end of
     * batch 1), those due at 4 and 6 after step 6 (batch 2); the last batch ends the epoch.
     */
    @Test
    void checkpointsWaitForTheEndOfABatchOfWindows() {
        int[][] tokens = new int[6][10];
        int[][] targets = new int[6][10];
        for (int i = 0; i < 6; i++) {
            for (int t = 0; t < 10; t++) {
                tokens[i][t] = 2 + (i + t) % 7;
                targets[i][t] = 2 + (i + t + 1) % 7;
            }
        }
        List<long[]> saved = new java.util.ArrayList<>();
        try (Trainer t = new Trainer(model(8), Adam.keras(), 1).checkpointEvery(2)) {
            t.fitSteps(new Trainer.StepFit(new StepDataset(tokens, targets, V), null, 1, 2, 6, 4), TrainingListener.NONE, new TrainingState(),
                    st -> saved.add(new long[] {st.epoch(), st.batch(), st.step()}));
        }
        assertThat(saved).containsExactly(new long[] {0, 1, 3}, new long[] {0, 2, 6}, new long[] {1, 0, 9});
    }

    @Test
    void bpttRefusesLayersThatReadBackwards() {
        Sequential bi = ModelSpec.fromJson(6, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 4, true)),
                LayerSpec.timeDistributed(V))).build(V, V, 1);
        try (Trainer t = new Trainer(bi, Adam.keras(), 1)) {
            assertThatThrownBy(() -> t.fitSteps(new Trainer.StepFit(data(4, 1), null, 1, 2, 6, 4), TrainingListener.NONE))
                    .isInstanceOf(org.jrnn.errors.InvalidOptionException.class)
                    .hasMessage("bptt carries the state between windows and needs unidirectional recurrent layers; "
                            + "layer 1 is Bidirectional: Bidirectional(LSTM(4, returnSequences=true))");
            // Without a cut the same model trains (taggers do).
            assertThat(t.fitSteps(new Trainer.StepFit(data(4, 1), null, 1, 2, 6), TrainingListener.NONE)).hasSize(1);
        }
    }
}
