package org.jrnn.nn;

/**
 * Softmax followed by sparse categorical cross-entropy, fused so the gradient is the stable
 * (softmax − onehot) / B. Equals Keras Dense(K, softmax) + SparseCategoricalCrossentropy and
 * PyTorch {@code F.cross_entropy(logits, y)} (mean over the batch).
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {}

    /** Result of one batch: mean loss, correct predictions and dLogits (B, K). */
    public record Result(double loss, int correct, float[] dLogits) {}

    public static Result compute(Matrix logits, int[] labels) {
        int b = logits.rows;
        int k = logits.cols;
        if (labels.length != b) throw new IllegalArgumentException("labels: " + labels.length + ", logits rows: " + b);
        float[] d = new float[b * k];
        double total = 0;
        int correct = 0;
        for (int i = 0; i < b; i++) {
            int y = labels[i];
            if (y < 0 || y >= k) throw new IllegalArgumentException("label " + y + " outside [0, " + k + ")");
            int o = i * k;
            float max = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < k; j++) {
                float v = logits.data[o + j];
                if (v > max) {
                    max = v;
                    arg = j;
                }
            }
            if (arg == y) correct++;
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(logits.data[o + j] - max);
            double logSum = Math.log(sum);
            total += logSum - (logits.data[o + y] - max);
            for (int j = 0; j < k; j++) {
                double p = Math.exp(logits.data[o + j] - max - logSum);
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
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, logits[o + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(logits[o + j] - max);
            for (int j = 0; j < k; j++) p[o + j] = (float) (Math.exp(logits[o + j] - max) / sum);
        }
        return p;
    }
}
