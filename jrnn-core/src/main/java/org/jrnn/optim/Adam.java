package org.jrnn.optim;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.kernels.Kernels;
import org.jrnn.kernels.Parallel;
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
    private Parallel pool;
    private final Map<Param, Integer> lazy = new IdentityHashMap<>();
    private final Map<Param, int[]> touched = new IdentityHashMap<>();

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

    /** Restores the step count from a checkpoint (bias correction depends on it). */
    public void setIterations(long steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, received: " + steps);
        this.step = steps;
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

    /**
     * Splits the element loop of large parameters across a thread pool (results are identical:
     * every element is updated independently). Null = one thread.
     */
    public Adam parallel(Parallel pool) {
        this.pool = pool;
        return this;
    }

    /**
     * Lazy update for p (PyTorch {@code SparseAdam} semantics): from now on only the rows
     * passed to {@link #touchRows} before each step are updated — their moments and weights;
     * other rows keep moments and weights unchanged instead of decaying. Bias correction
     * still uses the global step count. For embeddings, where a batch touches a few hundred
     * of 20,000 rows.
     */
    public Adam lazyRows(Param p, int rowWidth) {
        if (p.size() % rowWidth != 0) throw new IllegalArgumentException(p.name() + ": size " + p.size() + " is not a multiple of " + rowWidth);
        lazy.put(p, rowWidth);
        return this;
    }

    /** The distinct rows of a lazy parameter that the coming step updates. */
    public void touchRows(Param p, int[] distinctRows) {
        if (!lazy.containsKey(p)) throw new IllegalArgumentException(p.name() + " is not a lazy parameter");
        touched.put(p, distinctRows);
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
        boolean keras = variant == Variant.KERAS;
        float scale = keras ? (float) (lr * Math.sqrt(bc2) / bc1) : (float) (lr / bc1);
        float invSqrtBc2 = keras ? 1f : (float) (1 / Math.sqrt(bc2));
        Kernels k = Kernels.get();
        for (Param p : params) {
            if (p.frozen()) continue;
            float[][] mv = moments(p);
            float[] m = mv[0];
            float[] v = mv[1];
            float[] w = p.data;
            float[] g = p.grad;
            Integer width = lazy.get(p);
            if (width != null) {
                int[] rows = touched.remove(p);
                if (rows == null) throw new IllegalStateException("no touchRows(" + p.name() + ") before this step");
                for (int r : rows) {
                    k.adamUpdate(w, g, m, v, r * width, r * width + width, b1, a1, b2, a2, scale, eps, keras, invSqrtBc2);
                }
            } else if (pool != null && w.length >= PARALLEL_MIN) {
                pool.forRanges(w.length, (from, to) -> k.adamUpdate(w, g, m, v, from, to, b1, a1, b2, a2, scale, eps, keras, invSqrtBc2));
            } else {
                k.adamUpdate(w, g, m, v, 0, w.length, b1, a1, b2, a2, scale, eps, keras, invSqrtBc2);
            }
        }
    }

    /** Below this many elements one thread is faster than handing out work. */
    private static final int PARALLEL_MIN = 1 << 15;

    @Override
    public String toString() {
        return "Adam(lr=" + lr + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ", " + variant.name().toLowerCase() + ")";
    }
}
