package org.jrnn.train;

import org.jrnn.errors.InvalidOptionException;

/**
 * How the fit loop updates the weights: Keras' {@code model.fit} with Adam.
 *
 * @param seed seeds the initialisation, the shuffles, dropout and the validation split
 * @param clipNorm clip gradients to this global L2 norm (0 = off)
 * @param lazyEmbeddingAdam update only the embedding rows each batch uses (PyTorch SparseAdam semantics)
 * @param bucket batch sequences of similar length together (Keras bucket_by_sequence_length)
 * @param patience early-stopping patience in epochs on validation loss (0 = off)
 */
public record OptimConfig(int epochs, int batchSize, double learningRate, long seed, double clipNorm,
                          boolean lazyEmbeddingAdam, boolean bucket, int patience) {
    /** The lesson's seed. */
    public static final long DEFAULT_SEED = 42;
    /** Adam's default in Keras and PyTorch. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    public OptimConfig {
        if (epochs < 1) throw InvalidOptionException.of("epochs", "must be >= 1, received: " + epochs);
        if (batchSize < 1) throw InvalidOptionException.of("batchSize", "must be >= 1, received: " + batchSize);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw InvalidOptionException.of("learningRate", "must be > 0 and finite, received: " + learningRate);
        }
        if (!(clipNorm >= 0)) throw InvalidOptionException.of("clipNorm", "must be >= 0 (0 = off), received: " + clipNorm);
        if (patience < 0) throw InvalidOptionException.of("patience", "must be >= 0 (0 = off), received: " + patience);
    }
}
