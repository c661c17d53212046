package org.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;

class SequentialTest {

    @Test
    void summaryShowsKerasParameterCounts() {
        Sequential m = new Sequential(1).add(new Embedding(20000, 64, true)).add(new SimpleRNN(16)).add(new Dense(4));
        String s = m.summary();
        assertThat(s).contains("1,280,000").contains("1,296").contains("68").contains("Total params (Keras count): 1,281,364");
        // Named by position as torch.nn.Sequential; org.jrnn.model gives the file names (ModelSpecTest).
        assertThat(m.stateDict().keySet()).containsExactly("0.weight", "1.weight_ih", "1.weight_hh",
                "1.bias_ih", "1.bias_hh", "2.weight", "2.bias");
    }

    @Test
    void stackedBidirectionalLayersKeepTheirOwnNames() {
        Sequential m = new Sequential(1).add(new Embedding(50, 8, true))
                .add(new Bidirectional(new LSTM(4, true))).add(new Bidirectional(new LSTM(4))).add(new Dense(3));
        assertThat(m.stateDict().keySet()).contains("1.weight_ih", "1.weight_ih_reverse", "2.weight_hh_reverse", "2.bias_hh");
        assertThat(m.stateDict().get("2.weight_ih").shape()).containsExactly(16, 8);
        // Keras: Bidirectional(LSTM(4)) on 8 inputs = 2 × (8·16 + 4·16 + 16) = 416
        assertThat(m.summary()).contains("416");
    }

    @Test
    void lstmForgetBiasStartsAtOne() {
        Sequential m = new Sequential(1).add(new Embedding(10, 4, true)).add(new LSTM(3)).add(new Dense(2));
        assertThat(m.stateDict().get("1.bias_ih").data).containsExactly(0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void wrongOrderGivesUsefulErrors() {
        Sequential m = new Sequential(1).add(new Embedding(10, 4, true)).add(new SimpleRNN(3));
        assertThatThrownBy(() -> m.add(new LSTM(3)))
                .hasMessageContaining("expects a sequence input").hasMessageContaining("returnSequences=true");
        Sequential seq = new Sequential(1).add(new Embedding(10, 4, true)).add(new SimpleRNN(3, true)).add(new Dense(2));
        assertThatThrownBy(seq::checkClassifier).hasMessageContaining("outputs a sequence");
        assertThatThrownBy(() -> new Sequential(1).add(new Dense(2))).hasMessageContaining("add an Embedding first");
    }

    @Test
    void sameSeedSameWeights() {
        float[] a = new Sequential(5).add(new Embedding(30, 4, true)).add(new GRU(3)).add(new Dense(2)).params().get(1).data;
        float[] b = new Sequential(5).add(new Embedding(30, 4, true)).add(new GRU(3)).add(new Dense(2)).params().get(1).data;
        assertThat(a).containsExactly(b);
    }

    /** Whole-model check through hidden Dense layers with relu and tanh, into the softmax head and its loss. */
    @Test
    void wholeModelGradientCheckThroughHiddenDenseActivations() {
        Sequential m = new Sequential(4).add(new Embedding(9, 4, true)).add(new LSTM(5))
                .add(new Dense(6, Dense.Activation.RELU)).add(new Dense(4, Dense.Activation.TANH)).add(new Dense(3));
        // ReLU's kink breaks finite differences when a pre-activation is within 2ε of 0 (measured: 0.127 at
        // ε = 2e-2 on these Glorot draws); biases of ±2 push them away from it, some units on and some off.
        float[] reluBias = m.layers().get(1).params().get(1).data;
        for (int j = 0; j < reluBias.length; j++) reluBias[j] = j % 2 == 0 ? 2f : -2f;
        // Step and tolerance as the whole-model check below (its comment says why).
        checkWholeModel("relu/tanh ", m, new int[][] {{1, 2, 3}, {4, 5, 6, 7, 8}, {2}, {7, 3}}, new int[] {0, 2, 1, 1});
    }

    /**
     * Back-propagates the loss of (tokens, labels) into every parameter's grad (left there) and checks each
     * against central differences at step 2e-2, tolerance 1e-2.
     */
    private static void checkWholeModel(String label, Sequential m, int[][] tokens, int[] labels) {
        SequenceBatch batch = m.batch(tokens);
        int[] sortedLabels = batch.sortLabels(labels);
        java.util.function.DoubleSupplier loss = () ->
                SoftmaxCrossEntropy.compute(m.forward(batch, false, null).logits(), sortedLabels).loss();
        Sequential.Pass p = m.forward(batch, false, null);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(p.logits(), sortedLabels);
        m.zeroGrad();
        m.backward(p, new Matrix(r.dLogits(), p.logits().rows, p.logits().cols, null), Gradients.PARAMS);
        for (Param q : m.params()) GradientCheck.check(label + q.name(), q.data, q.grad.clone(), loss, 2e-2, 1e-2);
    }

    /** Whole-model check: embedding (masked and not), recurrent stack, head and loss together. */
    @Test
    void wholeModelGradientCheckIncludingEmbedding() {
        for (boolean masked : new boolean[] {true, false}) {
            Sequential m = new Sequential(3).add(new Embedding(9, 4, masked))
                    .add(new Bidirectional(new GRU(3, true))).add(new SimpleRNN(3)).add(new Dense(3));
            // The loss of the whole stack is worse conditioned than one layer's Σ y⊙R: W_hh of the first
            // layer has gradients of 1e-3 next to f ≈ 1 (float noise), the biases strongly curved directions.
            // Measured worst at ε = 2e-2: 1.8e-3 (padded 1.weight_hh); so 1e-2 here, while the per-layer
            // checks (RecurrentGradientTest, DenseAndLossGradientTest) hold every layer to 1e-3.
            checkWholeModel(masked ? "masked " : "padded ", m, new int[][] {{1, 2, 3}, {4, 5, 6, 7, 8}, {2}}, new int[] {0, 2, 1});
            // With the mask, padding (row 0) gets no gradient; without it the RNN runs over padding.
            float padGrad = 0;
            for (int j = 0; j < 4; j++) padGrad += Math.abs(m.embedding().weight().grad[j]);
            if (masked) assertThat(padGrad).isZero();
            else assertThat(padGrad).isPositive();
        }
    }

    @Test
    void inferencePlanGivesTheSameProbabilities() {
        int[][] tokens = {{1, 2, 9}, {3, 4, 5, 6, 7, 8}, {7}, {0, 2}};
        Sequential[] models = {
            new Sequential(4).add(new Embedding(20, 6, true)).add(new LSTM(5)).add(new Dense(3)),
            new Sequential(5).add(new Embedding(20, 6, false)).add(new SimpleRNN(5)).add(new Dense(3)),
            new Sequential(6).add(new Embedding(20, 6, true)).add(new Bidirectional(new GRU(4, true)))
                    .add(new GlobalMaxPooling1D()).add(new Dense(3)),
            new Sequential(7).add(new Embedding(20, 6, true)).add(new Bidirectional(new LSTM(4, true))).add(new LSTM(3)).add(new Dense(3))};
        for (Sequential m : models) {
            Sequential.InferencePlan plan = m.planInference();
            assertThat(plan).isNotNull();
            float[][] plain = m.predictProbabilities(tokens);
            float[][] planned = m.predictProbabilities(tokens, plan);
            for (int i = 0; i < tokens.length; i++) {
                assertThat(planned[i]).as(m.layers() + " row " + i).containsExactly(plain[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        Sequential pooledFirst = new Sequential(8).add(new Embedding(20, 6, true)).add(new Dropout(0.1)).add(new LSTM(3)).add(new Dense(2));
        assertThat(pooledFirst.planInference()).isNull();
    }

    @Test
    void aPartialPlanGivesTheWholePlansLogitsBitForBit() {
        // Widths past one 512-bit vector (G·H = 4·8 = 32, 3·20 = 60), so the vector kernels run
        // their blocked paths for the whole table and their narrower ones for a few rows.
        int[][][] batches = {{{7}}, {{5, 5, 5}}, {{1, 2, 9}, {3, 4, 5, 6, 7, 8}, {7}, {5, 2, 0, 0}}, {{19, 18, 17, 16, 15, 14, 13}}};
        Sequential[] models = {
            new Sequential(4).add(new Embedding(20, 6, true)).add(new LSTM(8)).add(new Dense(3)),
            new Sequential(5).add(new Embedding(20, 6, false)).add(new SimpleRNN(33)).add(new Dense(3)),
            new Sequential(6).add(new Embedding(20, 6, true)).add(new Bidirectional(new GRU(20, true)))
                    .add(new GlobalMaxPooling1D()).add(new Dense(3)),
            new Sequential(7).add(new Embedding(20, 17, true)).add(new Bidirectional(new LSTM(8, true))).add(new LSTM(3)).add(new Dense(3))};
        for (Sequential m : models) {
            Sequential.InferencePlan whole = m.planInference();
            for (int[][] tokens : batches) {
                SequenceBatch batch = m.batch(tokens);
                Sequential.InferencePlan partial = m.planInference(tokens);
                assertThat(m.forward(batch, partial).logits().data).as(m.layers() + " " + java.util.Arrays.deepToString(tokens))
                        .containsExactly(m.forward(batch, whole).logits().data);
            }
            Sequential.InferencePlan few = m.planInference(new int[][] {{3, 4}});
            assertThatThrownBy(() -> m.forward(m.batch(new int[][] {{3, 5}}), few)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 5");
        }
        Sequential pooledFirst = new Sequential(8).add(new Embedding(20, 6, true)).add(new Dropout(0.1)).add(new LSTM(3)).add(new Dense(2));
        assertThat(pooledFirst.planInference(new int[][] {{1}})).isNull();
    }

    @Test
    void inferenceGivesTheTrainingForwardsLogitsBitForBit() {
        // A big batch first leaves garbage in the per-thread scratch; the small one must not see it.
        int[][] big = new int[9][];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < big.length; i++) {
            big[i] = new int[1 + rng.nextInt(12)];
            for (int t = 0; t < big[i].length; t++) big[i][t] = 1 + rng.nextInt(19);
        }
        int[][] small = {{1, 2, 9}, {3, 4, 5, 6, 7, 8}, {7}, {5, 2, 0, 0}};
        Sequential[] models = {
            new Sequential(4).add(new Embedding(20, 6, true)).add(new LSTM(5)).add(new Dense(3)),
            new Sequential(5).add(new Embedding(20, 6, false)).add(new SimpleRNN(5, false, true)).add(new Dense(3)),
            new Sequential(6).add(new Embedding(20, 6, true)).add(new Bidirectional(new GRU(4, true)))
                    .add(new GlobalMaxPooling1D()).add(new Dense(3)),
            new Sequential(7).add(new Embedding(20, 6, true)).add(new Bidirectional(new LSTM(4, true))).add(new LSTM(3, false, true)).add(new Dense(3)),
            new Sequential(8).add(new Embedding(20, 6, true)).add(new Dropout(0.5)).add(new GRU(17, true)).add(new GRU(5)).add(new Dense(3)),
            new Sequential(9).add(new Embedding(20, 6, true)).add(new Bidirectional(new SimpleRNN(4, true), Bidirectional.Merge.SUM))
                    .add(new GlobalAveragePooling1D()).add(new Dense(3))};
        for (Sequential m : models) {
            for (int[][] tokens : new int[][][] {big, small}) {
                SequenceBatch batch = m.batch(tokens);
                float[] trained = m.forward(batch, false, null).logits().data;
                assertThat(m.forward(batch, (Sequential.InferencePlan) null).logits().data).as(m.layers().toString()).containsExactly(trained);
                Sequential.InferencePlan plan = m.planInference();
                if (plan != null) {
                    assertThat(m.forward(batch, plan).logits().data).as(m.layers() + " planned")
                            .containsExactly(trained, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
    }

    @Test
    void predictProbabilitiesComeBackInCallerOrder() {
        Sequential m = new Sequential(2).add(new Embedding(20, 4, true)).add(new LSTM(3)).add(new Dense(2));
        int[][] tokens = {{1, 2}, {3, 4, 5, 6}, {7}};
        float[][] all = m.predictProbabilities(tokens);
        for (int i = 0; i < tokens.length; i++) {
            assertThat(m.predictProbabilities(new int[][] {tokens[i]})[0]).containsExactly(all[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    /**
     * Sequential.score, the loop behind both evaluation paths: per sample the training loss of
     * SoftmaxCrossEntropy.compute and its argmax, summed per batch in batch order.
     */
    @Test
    void scoreIsTheTrainingLossAndArgmaxOfEachSampleForAnyThreadCount() {
        Sequential m = new Sequential(8).add(new Embedding(30, 5, true)).add(new GRU(4)).add(new Dense(3));
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        int n = 23;
        int[][] tokens = new int[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = new int[1 + rng.nextInt(6)];
            for (int t = 0; t < tokens[i].length; t++) tokens[i][t] = 1 + rng.nextInt(29);
            labels[i] = rng.nextInt(3);
        }
        Sequential.Scores one;
        try (org.jrnn.kernels.Parallel p = new org.jrnn.kernels.Parallel(1)) {
            one = m.score(tokens, labels, 5, p);
        }
        double lossSum = 0;
        long correct = 0;
        for (int i = 0; i < n; i++) {
            // One sample alone: its loss is compute()'s batch mean of one, its class the argmax of its logits.
            SequenceBatch b = m.batch(new int[][] {tokens[i]});
            Matrix logits = m.forward(b, false, null).logits();
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(logits, new int[] {labels[i]});
            lossSum += r.loss();
            correct += r.correct();
            assertThat(one.predicted()[i]).as("sample %d", i).isEqualTo(SoftmaxCrossEntropy.argmax(logits.data, 0, 3));
        }
        assertThat(one.lossSum()).isCloseTo(lossSum, org.assertj.core.data.Offset.offset(1e-5 * lossSum));
        assertThat(one.correct()).isEqualTo(correct);
        for (int threads : new int[] {2, 3, 5}) {
            try (org.jrnn.kernels.Parallel p = new org.jrnn.kernels.Parallel(threads)) {
                Sequential.Scores s = m.score(tokens, labels, 5, p);
                assertThat(s.lossSum()).as("%d threads", threads).isEqualTo(one.lossSum());
                assertThat(s.correct()).isEqualTo(one.correct());
                assertThat(s.predicted()).containsExactly(one.predicted());
            }
        }
        try (org.jrnn.kernels.Parallel p = new org.jrnn.kernels.Parallel(1)) {
            assertThatThrownBy(() -> m.score(tokens, new int[] {0}, 5, p)).hasMessageContaining("23 sequences but 1 labels");
            int[] bad = labels.clone();
            bad[7] = 3;
            assertThatThrownBy(() -> m.score(tokens, bad, 5, p)).hasMessageContaining("label 3 outside [0, 3)");
        }
    }
}
