package org.jrnn.nn;

/**
 * Softmax followed by sparse categorical cross-entropy, fused so the gradient is the stable
 * (softmax − onehot) / B. Equals Keras Dense(K, softmax) + SparseCategoricalCrossentropy and
 * PyTorch {@code F.cross_entropy(logits, y)} (mean over the batch).
 *
 * <p>The one place jrnn computes softmax, log-sum-exp and argmax of logits: training
 * ({@link #compute}), probabilities ({@link #softmax}) and scoring ({@link Sequential#score},
 * behind both evaluation paths) all use {@link #argmax} and {@link #logSumExp}, so a row gets the
 * same loss and the same predicted class everywhere. Shifted logits z − max are rounded to float
 * before {@code Math.exp}; sums and logs are double.
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {}

    /** Result of one batch: mean loss, correct predictions and dLogits (B, K). */
    public record Result(double loss, int correct, float[] dLogits) {}

    public static Result compute(Matrix logits, int[] labels) {
        int b = logits.rows;
        int k = logits.cols;
        if (labels.length != b) throw new IllegalArgumentException("labels: " + labels.length + ", logits rows: " + b);
        float[] z = logits.data;
        float[] d = new float[b * k];
        double total = 0;
        int correct = 0;
        for (int i = 0; i < b; i++) {
            int y = checkLabel(labels[i], k);
            int o = i * k;
            int arg = argmax(z, o, k);
            float max = z[o + arg];
            if (arg == y) correct++;
            double logSum = logSumExp(z, o, k, max);
            total += logSum - (z[o + y] - max);
            for (int j = 0; j < k; j++) {
                double p = Math.exp(z[o + j] - max - logSum);
                d[o + j] = (float) ((p - (j == y ? 1 : 0)) / b);
            }
        }
        return new Result(total / b, correct, d);
    }

    /** Row-wise softmax probabilities of logits (R, K). */
    public static float[] softmax(float[] logits, int rows, int k) {
        float[] p = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            int o = i * k;
            float max = logits[o + argmax(logits, o, k)];
            double sum = expSum(logits, o, k, max);
            for (int j = 0; j < k; j++) p[o + j] = (float) (Math.exp(logits[o + j] - max) / sum);
        }
        return p;
    }

    /** The index of the largest of z[o, o + k): the first one on a tie; NaN never wins. */
    public static int argmax(float[] z, int o, int k) {
        float max = Float.NEGATIVE_INFINITY;
        int arg = 0;
        for (int j = 0; j < k; j++) {
            float v = z[o + j];
            if (v > max) {
                max = v;
                arg = j;
            }
        }
        return arg;
    }

    /** log Σ_j exp(z_j − max) over z[o, o + k), for max = z at its {@link #argmax}. */
    public static double logSumExp(float[] z, int o, int k, float max) {
        return Math.log(expSum(z, o, k, max));
    }

    /**
     * One row's cross-entropy −log softmax(z)_y = logSumExp − (z_y − max), exactly as
     * {@link #compute} adds it into the batch loss.
     */
    public static double crossEntropy(float[] z, int o, int k, int y, float max) {
        return logSumExp(z, o, k, max) - (z[o + checkLabel(y, k)] - max);
    }

    private static double expSum(float[] z, int o, int k, float max) {
        double sum = 0;
        for (int j = 0; j < k; j++) sum += Math.exp(z[o + j] - max);
        return sum;
    }

    private static int checkLabel(int y, int k) {
        if (y < 0 || y >= k) throw new IllegalArgumentException("label " + y + " outside [0, " + k + ")");
        return y;
    }
}
