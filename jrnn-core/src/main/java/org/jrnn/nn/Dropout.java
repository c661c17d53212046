package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;

/** Inverted dropout (Keras/PyTorch): in training zero each value with probability rate, scale the rest by 1/(1−rate). */
public final class Dropout implements Layer {
    private final double rate;

    public Dropout(double rate) {
        if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("Dropout rate must be in [0, 1), received: " + rate);
        this.rate = rate;
    }

    public double rate() {
        return rate;
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
        if (!training || rate == 0) return new Forward(x, null);
        float scale = (float) (1.0 / (1.0 - rate));
        float[] mask = new float[x.data.length];
        float[] y = new float[x.data.length];
        for (int i = 0; i < y.length; i++) {
            mask[i] = rng.nextDouble() < rate ? 0f : scale;
            y[i] = x.data[i] * mask[i];
        }
        return new Forward(new Matrix(y, x.rows, x.cols, x.layout), mask);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        if (cache == null) return dy;
        float[] mask = (float[]) cache;
        float[] dx = new float[dy.data.length];
        for (int i = 0; i < dx.length; i++) dx[i] = dy.data[i] * mask[i];
        return new Matrix(dx, dy.rows, dy.cols, dy.layout);
    }

    @Override
    public String toString() {
        return "Dropout(" + rate + ")";
    }
}
