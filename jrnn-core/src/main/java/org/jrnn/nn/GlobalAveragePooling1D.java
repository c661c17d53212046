package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Mean of each sequence's real steps (B, D), as Keras GlobalAveragePooling1D with a mask;
 * padded steps have no rows in a packed batch, so they never count.
 */
public final class GlobalAveragePooling1D implements Layer {

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
    public boolean returnsSequences(boolean inputIsSequence) {
        return false;
    }

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        PackedLayout lay = requireSequence(x, this);
        int d = x.cols;
        float[] y = new float[lay.batch * d]; // (B, D)
        for (int t = 0; t < lay.steps; t++) {
            for (int b = 0; b < lay.batchSizes[t]; b++) {
                int src = (lay.offsets[t] + b) * d;
                for (int j = 0; j < d; j++) y[b * d + j] += x.data[src + j];
            }
        }
        for (int b = 0; b < lay.batch; b++) {
            float inv = 1f / lay.lengths[b];
            for (int j = 0; j < d; j++) y[b * d + j] *= inv;
        }
        return new Forward(new Matrix(y, lay.batch, d, null), x);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Matrix x = (Matrix) cache;
        PackedLayout lay = x.layout;
        int d = x.cols;
        float[] dx = new float[x.rows * d];
        for (int t = 0; t < lay.steps; t++) {
            for (int b = 0; b < lay.batchSizes[t]; b++) {
                int dst = (lay.offsets[t] + b) * d;
                float inv = 1f / lay.lengths[b];
                for (int j = 0; j < d; j++) dx[dst + j] = dy.data[b * d + j] * inv;
            }
        }
        return new Matrix(dx, x.rows, d, lay);
    }

    static PackedLayout requireSequence(Matrix x, Layer who) {
        if (x.layout == null) {
            throw new IllegalArgumentException(who + " expects a sequence input (B, T, D); received a (B, " + x.cols
                    + ") matrix: the recurrent layer before it must set returnSequences=true");
        }
        return x.layout;
    }

    @Override
    public String toString() {
        return "GlobalAveragePooling1D()";
    }
}
