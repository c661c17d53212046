package org.jrnn.nn;

/**
 * Softmax cross-entropy at every step of a sequence output, masked: PyTorch's
 * {@code F.cross_entropy(logits.reshape(-1, K), targets.reshape(-1), ignore_index=ignoreIndex)}
 * (mean over the counted steps) and Keras' per-step sparse categorical cross-entropy under a mask.
 * A step counts when it has a packed row (padding has none) and its target is not
 * {@code ignoreIndex}; the others add nothing to the loss, the accuracy or the gradient.
 * Row math as {@link SoftmaxCrossEntropy} (same argmax, log-sum-exp and rounding), so a step
 * gets the loss and the predicted class a classifier would give the same logits.
 */
public final class PerStepCrossEntropy {
    /** PyTorch's default {@code ignore_index}: the target of steps that do not count. */
    public static final int IGNORE_INDEX = -100;

    private PerStepCrossEntropy() {}

    /**
     * One batch: the summed loss over the {@code count} counted steps, how many of them the argmax
     * got right, and dLogits (N, K) of the mean loss (zero on steps that do not count).
     */
    public record Result(double lossSum, int count, int correct, float[] dLogits) {
        /** Mean over the counted steps; NaN when none counts (PyTorch's mean of nothing). */
        public double loss() {
            return lossSum / count;
        }
    }

    /**
     * @param logits  (N, K) one row per packed step, as a per-step head returns them
     * @param targets (N) class of each row in the same packed order (see {@link SequenceBatch#packTargets})
     * @throws IllegalArgumentException if the counts differ or a counted target is outside [0, K)
     */
    public static Result compute(Matrix logits, int[] targets, int ignoreIndex) {
        int n = logits.rows;
        int k = logits.cols;
        if (targets.length != n) throw new IllegalArgumentException("targets: " + targets.length + ", logits rows: " + n);
        int count = 0;
        for (int y : targets) {
            if (y == ignoreIndex) continue;
            if (y < 0 || y >= k) {
                throw new IllegalArgumentException("target " + y + " outside [0, " + k + ") and not the ignore index " + ignoreIndex);
            }
            count++;
        }
        float[] z = logits.data;
        float[] d = new float[n * k]; // (N, K)
        double total = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int y = targets[i];
            if (y == ignoreIndex) continue;
            int o = i * k;
            int arg = SoftmaxCrossEntropy.argmax(z, o, k);
            float max = z[o + arg];
            if (arg == y) correct++;
            double logSum = SoftmaxCrossEntropy.logSumExp(z, o, k, max);
            total += logSum - (z[o + y] - max);
            for (int j = 0; j < k; j++) {
                double p = Math.exp(z[o + j] - max - logSum);
                d[o + j] = (float) ((p - (j == y ? 1 : 0)) / count);
            }
        }
        return new Result(total, count, correct, d);
    }
}
