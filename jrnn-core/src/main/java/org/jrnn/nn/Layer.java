package org.jrnn.nn;

import java.util.List;

/**
 * A layer between the embedding and the loss. {@code forward} returns its output with a cache
 * holding what {@code backward} needs; the cache belongs to the call, not to the layer, so
 * one layer can serve several threads at once.
 *
 * <p>Order of use: {@link #build} once (Sequential does it), then any number of
 * forward/backward pairs. {@code backward} returns dX and adds into the parameter gradients.
 */
public interface Layer {

    /** Creates the parameters for an input of {@code inputSize} features; returns the output size. */
    int build(int inputSize, java.util.random.RandomGenerator rng);

    List<Param> params();

    Forward forward(Matrix x, boolean training, java.util.random.RandomGenerator rng);

    Matrix backward(Object cache, Matrix dy, Gradients grads);

    /**
     * Inference: the output of {@code forward(x, false, rng)} (the same numbers), without
     * keeping what backward needs. Recurrent layers override it to run on per-thread scratch.
     */
    default Matrix infer(Matrix x) {
        return forward(x, false, null).y();
    }

    /** Output and the call's cache. */
    record Forward(Matrix y, Object cache) {}

    /** Keras' "Output Shape" column: "(None, None, 16)" for sequences, "(None, 16)" otherwise. */
    default boolean returnsSequences(boolean inputIsSequence) {
        return inputIsSequence;
    }

    /** Whether the layer reads a sequence (None, None, F): recurrent and pooling layers do. */
    default boolean requiresSequenceInput() {
        return false;
    }
}
