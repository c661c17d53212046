package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Token ids → vectors, weight (V, E) as {@code torch.nn.Embedding}. With {@code maskZero}
 * (Keras {@code mask_zero=True}) index 0 is padding: the model packs each batch so padded
 * steps have no rows and no later layer sees them. Without it, padding is embedded like any
 * token and the recurrent layers run over it, as in the lesson's first model.
 */
public final class Embedding {
    private final int vocabSize;
    private final int dim;
    private final boolean maskZero;
    private final Param weight;

    public Embedding(int vocabSize, int dim, boolean maskZero) {
        if (vocabSize < 2) throw new IllegalArgumentException("Embedding vocabSize must be >= 2, received: " + vocabSize);
        if (dim < 1) throw new IllegalArgumentException("Embedding dim must be >= 1, received: " + dim);
        this.vocabSize = vocabSize;
        this.dim = dim;
        this.maskZero = maskZero;
        this.weight = new Param("weight", vocabSize, dim);
    }

    void init(RandomGenerator rng) {
        Initializers.uniform(weight.data, 0.05, rng); // Keras Embedding: RandomUniform(-0.05, 0.05)
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int dim() {
        return dim;
    }

    public boolean maskZero() {
        return maskZero;
    }

    public Param weight() {
        return weight;
    }

    public List<Param> params() {
        return List.of(weight);
    }

    /** (N) packed token ids → (N, E). */
    public Matrix forward(int[] ids, PackedLayout layout) {
        int n = ids.length;
        float[] out = new float[n * dim]; // (N, E)
        float[] w = weight.data;
        for (int r = 0; r < n; r++) {
            int id = ids[r];
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocabSize + ")");
            }
            System.arraycopy(w, id * dim, out, r * dim, dim);
        }
        return new Matrix(out, n, dim, layout);
    }

    /** Scatter-adds dY (N, E) into the rows of the ids used. */
    public void backward(int[] ids, Matrix dy, Gradients grads) {
        if (weight.frozen()) return;
        float[] g = grads.of(weight);
        float[] d = dy.data;
        for (int r = 0; r < ids.length; r++) {
            int base = ids[r] * dim;
            int src = r * dim;
            for (int j = 0; j < dim; j++) g[base + j] += d[src + j];
        }
    }

    @Override
    public String toString() {
        return "Embedding(" + vocabSize + ", " + dim + (maskZero ? ", maskZero=true" : "") + ")";
    }
}
