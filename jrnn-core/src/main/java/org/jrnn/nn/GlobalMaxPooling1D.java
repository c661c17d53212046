package org.jrnn.nn;

import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/** Max of each feature over a sequence's real steps (B, D); the gradient goes to the arg-max step. */
public final class GlobalMaxPooling1D implements Layer {

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

    private record Cache(Matrix x, int[] argRow) {}

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        PackedLayout lay = GlobalAveragePooling1D.requireSequence(x, this);
        int d = x.cols;
        float[] y = new float[lay.batch * d]; // (B, D)
        Arrays.fill(y, Float.NEGATIVE_INFINITY);
        int[] arg = new int[lay.batch * d];    // (B, D) packed row of the max
        for (int t = 0; t < lay.steps; t++) {
            for (int b = 0; b < lay.batchSizes[t]; b++) {
                int row = lay.offsets[t] + b;
                for (int j = 0; j < d; j++) {
                    float v = x.data[row * d + j];
                    if (v > y[b * d + j]) {
                        y[b * d + j] = v;
                        arg[b * d + j] = row;
                    }
                }
            }
        }
        return new Forward(new Matrix(y, lay.batch, d, null), new Cache(x, arg));
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Cache c = (Cache) cache;
        int d = c.x().cols;
        float[] dx = new float[c.x().rows * d];
        for (int i = 0; i < c.argRow().length; i++) {
            int j = i % d;
            dx[c.argRow()[i] * d + j] += dy.data[i];
        }
        return new Matrix(dx, c.x().rows, d, c.x().layout);
    }

    @Override
    public String toString() {
        return "GlobalMaxPooling1D()";
    }
}
