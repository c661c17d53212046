package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Keras' {@code TimeDistributed(Dense(K))}: the Dense applied to every real step of a sequence,
 * (B, T, H) → (B, T, K). The packed rows of all steps go through one product (N, H)·Wᵀ, so
 * padded steps cost nothing and get no output; PyTorch's equivalent is {@code nn.Linear} applied
 * to the RNN's (packed or padded) output. The per-step head of taggers and language models,
 * trained with {@link PerStepCrossEntropy}. Wraps only Dense: the one layer a per-step head needs.
 */
public final class TimeDistributed implements Layer {
    private final Dense layer;

    public TimeDistributed(Dense layer) {
        this.layer = layer;
    }

    public Dense layer() {
        return layer;
    }

    @Override
    public int build(int inputSize, RandomGenerator rng) {
        return layer.build(inputSize, rng);
    }

    @Override
    public List<Param> params() {
        return layer.params();
    }

    @Override
    public boolean requiresSequenceInput() {
        return true;
    }

    @Override
    public boolean returnsSequences(boolean inputIsSequence) {
        return true;
    }

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        checkSequence(x);
        return layer.forward(x, training, rng); // Dense is row-wise: one product over the N packed rows
    }

    @Override
    public Matrix infer(Matrix x) {
        checkSequence(x);
        return layer.infer(x);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        return layer.backward(cache, dy, grads);
    }

    private void checkSequence(Matrix x) {
        if (x.layout == null) {
            throw new IllegalArgumentException(this + " expects a sequence input (B, T, F); received a (B, " + x.cols
                    + ") matrix: the layer before must return sequences");
        }
    }

    @Override
    public String toString() {
        return "TimeDistributed(" + layer + ")";
    }
}
