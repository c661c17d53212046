package org.jrnn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jrnn.data.EncodedDataset;
import org.jrnn.nn.Gradients;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Param;
import org.jrnn.nn.SequenceBatch;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SoftmaxCrossEntropy;
import org.jrnn.optim.Adam;

/**
 * The fit loop: shuffle (SplitMix64, seed + epoch), consecutive batches, forward, fused
 * softmax-CE, backward, Adam, then validation — Keras' {@code model.fit} with one optimizer
 * step per batch. Deterministic for a given seed.
 */
public final class Trainer {
    private final Sequential model;
    private final Adam optimizer;
    private final List<Param> params;

    public Trainer(Sequential model, Adam optimizer) {
        model.checkClassifier();
        this.model = model;
        this.optimizer = optimizer;
        this.params = model.params();
    }

    public Sequential model() {
        return model;
    }

    /** Trains for {@code epochs} epochs; validation may be null. Returns one entry per epoch. */
    public List<EpochMetrics> fit(EncodedDataset train, EncodedDataset validation, int epochs, int batchSize,
                                  long seed, TrainingListener listener) {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, received: " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, received: " + batchSize);
        if (train.size() == 0) throw new IllegalArgumentException("the training set is empty");
        List<EpochMetrics> history = new ArrayList<>();
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = Shuffle.permutation(train.size(), seed + epoch);
            int batches = (train.size() + batchSize - 1) / batchSize;
            listener.epochStarted(epoch + 1, epochs, batches);
            SplittableRandom dropoutRng = new SplittableRandom(seed * 31 + epoch);
            long t0 = System.nanoTime();
            double lossSum = 0;
            long correct = 0, seen = 0, tokens = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * batchSize;
                int to = Math.min(train.size(), from + batchSize);
                int[][] x = new int[to - from][];
                int[] y = new int[to - from];
                for (int i = from; i < to; i++) {
                    x[i - from] = train.tokens()[order[i]];
                    y[i - from] = train.labels()[order[i]];
                }
                SoftmaxCrossEntropy.Result r = trainStep(x, y, dropoutRng);
                if (!Double.isFinite(r.loss())) {
                    throw new TrainingDivergedException("loss became " + r.loss() + " at epoch " + (epoch + 1) + ", batch " + (b + 1)
                            + "; try a lower learning rate");
                }
                lossSum += r.loss() * x.length;
                correct += r.correct();
                seen += x.length;
                tokens += SequenceBatch.realTokens(x);
                listener.batchFinished(b + 1, lossSum / seen, (double) correct / seen);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Evaluation val = validation == null ? null : evaluate(model, validation, 256);
            EpochMetrics m = new EpochMetrics(epoch + 1, lossSum / seen, (double) correct / seen,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), seconds, tokens, seen);
            history.add(m);
            listener.epochFinished(m);
        }
        return history;
    }

    /** One optimizer step on one batch. */
    public SoftmaxCrossEntropy.Result trainStep(int[][] x, int[] y, SplittableRandom dropoutRng) {
        SequenceBatch batch = model.batch(x);
        Sequential.Pass pass = model.forward(batch, true, dropoutRng);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(pass.logits(), batch.sortLabels(y));
        for (Param p : params) p.zeroGrad();
        model.backward(pass, new Matrix(r.dLogits(), pass.logits().rows, pass.logits().cols, null), Gradients.PARAMS);
        optimizer.step(params);
        return r;
    }

    /** Mean loss and accuracy over a dataset, in batches, without dropout. */
    public static Evaluation evaluate(Sequential model, EncodedDataset data, int batchSize) {
        double lossSum = 0;
        long correct = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            int[][] x = java.util.Arrays.copyOfRange(data.tokens(), from, to);
            int[] y = java.util.Arrays.copyOfRange(data.labels(), from, to);
            SequenceBatch batch = model.batch(x);
            Sequential.Pass pass = model.forward(batch, false, null);
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(pass.logits(), batch.sortLabels(y));
            lossSum += r.loss() * x.length;
            correct += r.correct();
        }
        return new Evaluation(lossSum / data.size(), (double) correct / data.size(), data.size());
    }
}
