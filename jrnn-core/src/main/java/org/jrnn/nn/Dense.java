package org.jrnn.nn;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import org.jrnn.kernels.Kernels;

/**
 * y = f(x·Wᵀ + b) with W (out, in) as {@code torch.nn.Linear}; Glorot-uniform W and zero b as
 * Keras' Dense; f is Keras' {@code activation}: linear (the default), relu, tanh or sigmoid.
 * Applied row-wise, so it also works on every step of a sequence. The softmax of a classifier
 * head is not an activation here: it is fused into {@link SoftmaxCrossEntropy}.
 */
public final class Dense implements Layer {
    /** A hidden Dense layer's activation, by its Keras name. */
    public enum Activation {
        LINEAR, RELU, TANH, SIGMOID;

        /** The Keras / JSON name: {@code linear}, {@code relu}, {@code tanh}, {@code sigmoid}. */
        public String kerasName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The activation for a Keras name; null for unknown names. */
        public static Activation of(String kerasName) {
            for (Activation a : values()) {
                if (a.kerasName().equals(kerasName)) return a;
            }
            return null;
        }
    }

    private final int units;
    private final Activation activation;
    private int inputSize;
    private Param weight;
    private Param bias;

    /** The activation's output is kept for backward: each derivative here is a function of it. */
    private record Cache(Matrix x, float[] y) {}

    public Dense(int units) {
        this(units, Activation.LINEAR);
    }

    public Dense(int units, Activation activation) {
        if (units < 1) throw new IllegalArgumentException("Dense units must be >= 1, received: " + units);
        if (activation == null) throw new IllegalArgumentException("Dense activation must not be null");
        this.units = units;
        this.activation = activation;
    }

    @Override
    public int build(int inputSize, RandomGenerator rng) {
        this.inputSize = inputSize;
        weight = new Param("weight", units, inputSize);
        bias = new Param("bias", units);
        Initializers.glorotUniform(weight.data, inputSize, units, rng);
        return units;
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    public int units() {
        return units;
    }

    /** W in the form {@link #stepRows} reads ({@code Kernels.prepareABt}); stale once W changes. */
    float[] prepareWeight() {
        return Kernels.get().prepareABt(weight.data, 0, inputSize, units);
    }

    /**
     * y (n, out) = x (n, in)·Wᵀ + b into {@code y}, on a weight from {@link #prepareWeight}: for
     * stepping, where n is the number of streams (one too); each row's bits are those of the
     * inference forward on a batch.
     */
    void stepRows(float[] x, int n, float[] prepared, float[] y) {
        java.util.Arrays.fill(y, 0, n * units, 0f);
        Kernels k = Kernels.get();
        k.matmulABtPrepared(x, 0, weight.data, 0, prepared, y, 0, n, inputSize, units);
        k.addRowVector(bias.data, 0, y, 0, n, units);
        activate(activation, y, n * units);
    }

    public Activation activation() {
        return activation;
    }

    @Override
    public Forward forward(Matrix x, boolean training, RandomGenerator rng) {
        if (x.cols != inputSize) {
            throw new IllegalArgumentException("Dense expects " + inputSize + " input features, received: " + x.cols);
        }
        float[] y = new float[x.rows * units]; // (R, out)
        Kernels k = Kernels.get();
        k.matmulABt(x.data, 0, weight.data, 0, y, 0, x.rows, inputSize, units);
        k.addRowVector(bias.data, 0, y, 0, x.rows, units);
        Matrix out = new Matrix(y, x.rows, units, x.layout);
        if (activation == Activation.LINEAR) return new Forward(out, x);
        activate(activation, y, y.length);
        return new Forward(out, new Cache(x, y));
    }

    /** f applied in place to y[0, n): one definition for the batch forward and for stepping. */
    private static void activate(Activation activation, float[] y, int n) {
        switch (activation) {
            case LINEAR -> { }
            case RELU -> { for (int i = 0; i < n; i++) if (y[i] < 0f) y[i] = 0f; }
            case TANH -> { for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(y[i]); }
            case SIGMOID -> { for (int i = 0; i < n; i++) y[i] = (float) (1.0 / (1.0 + Math.exp(-y[i]))); }
            default -> throw new IllegalStateException("internal error: " + activation);
        }
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Matrix x;
        float[] dz; // (R, out): dL/d(x·Wᵀ + b)
        if (cache instanceof Cache c) {
            x = c.x;
            float[] y = c.y;
            dz = new float[y.length];
            switch (activation) {
                case RELU -> { for (int i = 0; i < y.length; i++) dz[i] = y[i] > 0f ? dy.data[i] : 0f; }
                case TANH -> { for (int i = 0; i < y.length; i++) dz[i] = dy.data[i] * (1f - y[i] * y[i]); }
                case SIGMOID -> { for (int i = 0; i < y.length; i++) dz[i] = dy.data[i] * y[i] * (1f - y[i]); }
                default -> throw new IllegalStateException("internal error: " + activation);
            }
        } else {
            x = (Matrix) cache;
            dz = dy.data;
        }
        Kernels k = Kernels.get();
        k.matmulAtB(dz, 0, x.data, 0, grads.of(weight), 0, x.rows, inputSize, units);
        k.addColumnSums(dz, 0, grads.of(bias), 0, x.rows, units);
        float[] dx = new float[x.rows * inputSize];
        k.matmulAB(dz, 0, weight.data, 0, dx, 0, x.rows, inputSize, units);
        return new Matrix(dx, x.rows, inputSize, x.layout);
    }

    @Override
    public String toString() {
        return activation == Activation.LINEAR ? "Dense(" + units + ")" : "Dense(" + units + ", activation=" + activation.kerasName() + ")";
    }
}
