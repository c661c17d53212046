package org.jrnn.nn;

import java.util.List;
import java.util.random.RandomGenerator;
import org.jrnn.kernels.Kernels;

/**
 * y = x·Wᵀ + b with W (out, in) as {@code torch.nn.Linear}; Glorot-uniform W and zero b as
 * Keras' Dense. Applied row-wise, so it also works on every step of a sequence. No activation:
 * the softmax of a classifier head is fused into {@link SoftmaxCrossEntropy}.
 */
public final class Dense implements Layer {
    private final int units;
    private int inputSize;
    private Param weight;
    private Param bias;

    public Dense(int units) {
        if (units < 1) throw new IllegalArgumentException("Dense units must be >= 1, received: " + units);
        this.units = units;
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
        return new Forward(new Matrix(y, x.rows, units, x.layout), x);
    }

    @Override
    public Matrix backward(Object cache, Matrix dy, Gradients grads) {
        Matrix x = (Matrix) cache;
        Kernels k = Kernels.get();
        k.matmulAtB(dy.data, 0, x.data, 0, grads.of(weight), 0, x.rows, inputSize, units);
        k.addColumnSums(dy.data, 0, grads.of(bias), 0, x.rows, units);
        float[] dx = new float[x.rows * inputSize];
        k.matmulAB(dy.data, 0, weight.data, 0, dx, 0, x.rows, inputSize, units);
        return new Matrix(dx, x.rows, inputSize, x.layout);
    }

    @Override
    public String toString() {
        return "Dense(" + units + ")";
    }
}
