package org.jrnn.optim;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.kernels.Kernels;
import org.jrnn.nn.Param;

/**
 * Adam (Kingma &amp; Ba 2015) in two exact flavours that differ only in where ε enters:
 * <ul>
 *   <li>{@link Variant#KERAS} (default, Keras' {@code Adam.update_step}):
 *       α_t = lr·√(1−β2^t)/(1−β1^t); p −= α_t·m / (√v + ε), ε = 1e-7;</li>
 *   <li>{@link Variant#PYTORCH} ({@code torch.optim.Adam}):
 *       p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε), ε = 1e-8.</li>
 * </ul>
 * Every parameter is updated every step, rows with zero gradient included (their moments
 * decay), as both frameworks do for dense gradients. The element loop is
 * {@link Kernels#adamUpdate}, which follows these formulas bit for bit.
 *
 * <p>Order of use: backward fills {@link Param#grad}; {@link #step} updates; the caller zeroes grads.
 */
public final class Adam {
    public enum Variant { KERAS, PYTORCH }

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Variant variant;
    private final Map<Param, float[][]> moments = new IdentityHashMap<>();
    private long step;

    public Adam(double lr, double beta1, double beta2, double epsilon, Variant variant) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, received: " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), received: " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), received: " + beta2);
        if (!(epsilon > 0)) throw new IllegalArgumentException("epsilon must be > 0, received: " + epsilon);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.variant = variant;
    }

    /** Keras defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7. */
    public static Adam keras() {
        return keras(1e-3);
    }

    public static Adam keras(double lr) {
        return new Adam(lr, 0.9, 0.999, 1e-7, Variant.KERAS);
    }

    /** PyTorch defaults: lr 1e-3, β 0.9/0.999, ε 1e-8. */
    public static Adam pytorch(double lr) {
        return new Adam(lr, 0.9, 0.999, 1e-8, Variant.PYTORCH);
    }

    public long iterations() {
        return step;
    }

    public double learningRate() {
        return lr;
    }

    public Variant variant() {
        return variant;
    }

    /** First and second moments of p (created on first use), for checkpoints. */
    public float[][] moments(Param p) {
        return moments.computeIfAbsent(p, q -> new float[][] {new float[q.size()], new float[q.size()]});
    }

    public void step(List<Param> params) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float a1 = (float) (1 - beta1);
        float a2 = (float) (1 - beta2);
        float eps = (float) epsilon;
        Kernels k = Kernels.get();
        for (Param p : params) {
            if (p.frozen()) continue;
            float[][] mv = moments(p);
            float[] m = mv[0];
            float[] v = mv[1];
            float[] w = p.data;
            float[] g = p.grad;
            if (variant == Variant.KERAS) {
                float alpha = (float) (lr * Math.sqrt(bc2) / bc1);
                k.adamUpdate(w, g, m, v, 0, w.length, b1, a1, b2, a2, alpha, eps, true, 1f);
            } else {
                float stepSize = (float) (lr / bc1);
                float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
                k.adamUpdate(w, g, m, v, 0, w.length, b1, a1, b2, a2, stepSize, eps, false, invSqrtBc2);
            }
        }
    }

    @Override
    public String toString() {
        return "Adam(lr=" + lr + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ", " + variant.name().toLowerCase() + ")";
    }
}
