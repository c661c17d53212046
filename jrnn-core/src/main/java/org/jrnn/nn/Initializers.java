package org.jrnn.nn;

import java.util.random.RandomGenerator;

/**
 * Keras' default initialisers, applied to PyTorch-layout tensors: Embedding U(−0.05, 0.05),
 * Glorot-uniform input kernels, orthogonal recurrent kernels, zero biases
 * (keras/src/initializers: RandomUniform, GlorotUniform, Orthogonal).
 */
public final class Initializers {
    private Initializers() {}

    /**
     * The init generator for a model whose weights are about to be overwritten (a loaded file):
     * the initialisers draw nothing and leave the arrays as they are. Drawing 1.3 M uniforms for an
     * embedding that the file then replaces was a tenth of a one-shot {@code jrnn predict}.
     */
    public static final RandomGenerator SKIP = () -> {
        throw new IllegalStateException("Initializers.SKIP draws no numbers");
    };

    public static void uniform(float[] w, double limit, RandomGenerator rng) {
        if (rng == SKIP) return;
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
    }

    /** Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))). */
    public static void glorotUniform(float[] w, int fanIn, int fanOut, RandomGenerator rng) {
        uniform(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
    }

    /**
     * Orthogonal init of a (rows, cols) matrix with rows ≥ cols: orthonormal columns from a
     * Gram–Schmidt QR of a Gaussian matrix, as Keras' Orthogonal does for the transposed kernel.
     * For rows &lt; cols the rows are made orthonormal instead.
     */
    public static void orthogonal(float[] w, int rows, int cols, RandomGenerator rng) {
        if (rng == SKIP) return;
        boolean transpose = rows < cols;
        int r = transpose ? cols : rows;
        int c = transpose ? rows : cols;
        double[][] q = new double[c][r]; // column vectors of length r
        for (int j = 0; j < c; j++) {
            for (int i = 0; i < r; i++) q[j][i] = rng.nextGaussian();
        }
        for (int j = 0; j < c; j++) {
            // Modified Gram–Schmidt, twice for numerical orthogonality.
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < j; p++) {
                    double dot = 0;
                    for (int i = 0; i < r; i++) dot += q[p][i] * q[j][i];
                    for (int i = 0; i < r; i++) q[j][i] -= dot * q[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < r; i++) norm += q[j][i] * q[j][i];
            norm = Math.sqrt(norm);
            for (int i = 0; i < r; i++) q[j][i] /= norm;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                w[i * cols + j] = (float) (transpose ? q[i][j] : q[j][i]);
            }
        }
    }
}
