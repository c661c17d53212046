package org.jrnn.nn;

import java.util.Arrays;

/**
 * A trainable tensor: its PyTorch {@code state_dict} name, its shape, its values and the
 * gradient accumulated by the last backward pass (same layout, row-major).
 */
public final class Param {
    private String name;
    private final int[] shape;
    public final float[] data;
    public final float[] grad;
    /** When true the optimizer leaves this parameter unchanged (e.g. frozen embeddings). */
    private boolean frozen;

    public Param(String name, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        long n = 1;
        for (int s : shape) {
            if (s <= 0) throw new IllegalArgumentException("Param " + name + ": every dimension must be > 0, received: " + Arrays.toString(shape));
            n *= s;
        }
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("Param " + name + " too large: " + Arrays.toString(shape));
        this.data = new float[(int) n];
        this.grad = new float[(int) n];
    }

    public String name() {
        return name;
    }

    /**
     * Renames the parameter: {@link Sequential} prefixes each layer's local names with the layer's
     * position, and {@code org.jrnn.model} gives them the PyTorch state-dict names of model files.
     */
    public void rename(String newName) {
        this.name = newName;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    public boolean frozen() {
        return frozen;
    }

    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
    }

    public void zeroGrad() {
        Arrays.fill(grad, 0f);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
