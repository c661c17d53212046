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
        StepDataset w = d.windows(2);
        assertThat(w.tokens()).isDeepEqualTo(new int[][] {{1, 2}, {3, 4}, {5}, {6, 7}});
        assertThat(w.targets()).isDeepEqualTo(new int[][] {{2, 3}, {4, 5}, {6}, {7}});
        assertThat(d.windows(0)).isSameAs(d);
        assertThat(w.countedSteps()).isEqualTo(d.countedSteps());
    }
}
