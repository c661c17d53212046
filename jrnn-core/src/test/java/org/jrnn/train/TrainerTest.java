package org.jrnn.train;

import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.EpochMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.jrnn.data.EncodedDataset;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.testing.Close;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static EncodedDataset data() {
        int n = 64;
        int[][] tokens = new int[n][];
        int[] labels = new int[n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            tokens[i] = new int[1 + rng.nextInt(9)];
            // Class-dependent tokens so the model can learn something.
            for (int t = 0; t < tokens[i].length; t++) tokens[i][t] = 2 + labels[i] * 5 + rng.nextInt(5);
        }
        return new EncodedDataset(tokens, labels, 3);
    }

    static Sequential model() {
        return model(0.1);
    }

    static Sequential model(double dropout) {
        List<LayerSpec> layers = new java.util.ArrayList<>(List.of(
                LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 6, true)),
                LayerSpec.rnn("GRU", 5, false)));
        if (dropout > 0) layers.add(LayerSpec.dropout(dropout));
        return ModelSpec.fromJson(8, true, layers).build(20, 3, 7);
    }

    static float[] weights(Sequential m) {
        return org.jrnn.testing.GradientCheck.concatParams(m.params());
    }

    @Test
    void shardedStepsMatchTheSingleThreadedRunAndRepeatExactly() {
        float[][] finals = new float[3][];
        int[] threads = {1, 2, 2};
        for (int run = 0; run < 3; run++) {
            // No dropout here: its masks are drawn per shard, so they differ between thread counts.
            Sequential m = model(0);
            try (Trainer t = new Trainer(m, Adam.keras(1e-2), threads[run])) {
                t.fit(new Trainer.Fit(data(), null, 2, 16, 3), TrainingListener.NONE);
            }
            finals[run] = weights(m);
        }
        // Same thread count, same seed: bit-identical.
        assertThat(finals[2]).containsExactly(finals[1]);
        // Two shards sum the same gradients in another order: equal up to float rounding.
        double[] ref = new double[finals[0].length];
        for (int i = 0; i < ref.length; i++) ref[i] = finals[0][i];
        Close.assertClose("2 threads vs 1", ref, finals[1], 1e-4);
    }

    @Test
    void learnsASeparableToyProblem() {
        Sequential m = model();
        try (Trainer t = new Trainer(m, Adam.keras(1e-2), 2)) {
            List<EpochMetrics> h = t.fit(new Trainer.Fit(data(), data(), 15, 8, 1), TrainingListener.NONE);
            assertThat(h.get(h.size() - 1).valAccuracy()).isGreaterThan(0.9);
            assertThat(h.get(h.size() - 1).loss()).isLessThan(h.get(0).loss());
        }
    }

    @Test
    void frozenEmbeddingDoesNotMove() {
        Sequential m = model();
        Param emb = m.embedding().weight();
        emb.setFrozen(true);
        float[] before = emb.data.clone();
        try (Trainer t = new Trainer(m, Adam.keras(1e-2), 1)) {
            t.fit(new Trainer.Fit(data(), null, 1, 16, 3), TrainingListener.NONE);
        }
        assertThat(emb.data).containsExactly(before);
    }
}
