package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Keras {@code SpatialDropout1D}: in training, drops whole feature channels of a sequence, the
 * same channels at every step (noise shape (B, 1, D)), and scales the kept ones by 1/(1−rate);
 * the identity at inference. Word embeddings are correlated along a sentence, so dropping
 * single entries regularises little (Tompson et al. 2015, "Efficient Object Localization Using
 * Convolutional Networks"). PyTorch's equivalent is {@code nn.Dropout1d} on (B, D, T).
 */
public final class SpatialDropout1D implements Layer {
    private final double rate;

    public SpatialDropout1D(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("SpatialDropout1D rate must be in [0, 1), received: " + rate);
        this.rate = rate;
    }

    public double rate() {
        return rate;
    }

    @Override
    public boolean requiresSequenceInput() {
        return true;
    }

    @Override
    public int build(int inputSize, RandomGenerator rng) {
        return inputSize;
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        PackedLayout lay = GlobalAveragePooling1D.requireSequence(x, this);
        if (!training || rate == 0) return new Forward(x, null);
        int d = x.cols;
        float scale = (float) (1.0 / (1.0 - rate));
        float[] mask = new float[lay.batch * d]; // (B, D), sequences in the batch's sorted order
        for (int i = 0; i < mask.length; i++) mask[i] = rng.nextDouble() < rate ? 0f : scale;
        return new Forward(new Matrix(apply(x.data, mask, lay, d), x.rows, d, lay), mask);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        if (cache == null) return dy;
        return new Matrix(apply(dy.data, (float[]) cache, dy.layout, dy.cols), dy.rows, dy.cols, dy.layout);
    }

    /** Row (t, b) of a packed (N, D) matrix times sequence b's channel mask. */
    private static float[] apply(float[] v, float[] mask, PackedLayout lay, int d) {
        float[] out = new float[v.length]; // (N, D)
        for (int t = 0; t < lay.steps; t++) {
            for (int b = 0; b < lay.batchSizes[t]; b++) {
                int row = (lay.offsets[t] + b) * d;
                for (int j = 0; j < d; j++) out[row + j] = v[row + j] * mask[b * d + j];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "SpatialDropout1D(" + rate + ")";
    }
}
