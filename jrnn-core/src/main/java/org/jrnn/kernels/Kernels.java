package org.jrnn.kernels;

/**
 * The hot loops of jrnn: dense products, row reductions, gate activations, the recurrent
 * cells' element steps and the Adam update on row-major float arrays.
 * Every layer goes through this interface so that a SIMD implementation can replace the
 * scalar reference in one place. Products accumulate into their output ({@code +=}):
 * callers clear it first when they want {@code =}.
 *
 * <p>Shapes: A (n, k), W (g, k) the PyTorch weight layout (out, in), C (n, g).
 */
public interface Kernels {

    /** C(n,g) += A(n,k) · W(g,k)ᵀ — the forward product of a PyTorch-layout weight. */
    void matmulABt(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g);

    /**
     * W (g, k) in the form {@link #matmulABtPrepared} reads: for a weight that many small
     * products reuse unchanged (generation's one-row steps), the layout work {@link #matmulABt}
     * redoes on every call (the vector kernels' transposed copy) done once. Stale once W changes.
     */
    float[] prepareABt(float[] w, int wOff, int k, int g);

    /**
     * {@link #matmulABt} with W prepared by {@link #prepareABt}: for any n, one row included,
     * the bits {@link #matmulABt} gives on two rows or more (each row's result does not depend
     * on the other rows then), so a one-row step matches a batch's forward pass bit for bit.
     */
    void matmulABtPrepared(float[] a, int aOff, float[] w, int wOff, float[] prepared, float[] c, int cOff, int n, int k, int g);

    /** dA(n,k) += dC(n,g) · W(g,k) — the input gradient of {@link #matmulABt}. */
    void matmulAB(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g);

    /** dW(g,k) += dC(n,g)ᵀ · A(n,k) — the weight gradient of {@link #matmulABt}. */
    void matmulAtB(float[] dc, int dcOff, float[] a, int aOff, float[] dw, int dwOff, int n, int k, int g);

    /** C(n,g) row i += bias(g) for every row. */
    void addRowVector(float[] bias, int biasOff, float[] c, int cOff, int n, int g);

    /** a[off, off+n) = σ(a) = 1 / (1 + e^−a), in place (gate activations). */
    void sigmoid(float[] a, int off, int n);

    /** a[off, off+n) = tanh(a), in place. */
    void tanh(float[] a, int off, int n);

    /**
     * GRU, between its two activation calls. Rows r &lt; rows of width 3h start at
     * {@code gOff + r·3h} in {@code gates} (r and z already through σ) and {@code hh}
     * (h_{t−1}·W_hhᵀ + b_hh); {@code xn} (rows, h) holds x_n and becomes
     * {@code 2·(x_n + r ⊙ hh_n)}, the argument of σ in tanh(v) = 2σ(2v) − 1.
     * Operations in this order, no FMA: every implementation gives the same bits.
     */
    void gruCandidate(float[] gates, float[] hh, int gOff, float[] xn, int rows, int h);

    /**
     * GRU, after the second activation: with {@code s} (rows, h) = σ(2·candidate), n = 2s − 1
     * is stored in the gates' n block and {@code out[outOff + r·h + j] = (1 − z)·n + z·hPrev[r·h + j]}.
     * {@code out} may be {@code hPrev} (each element reads its old state first). No FMA.
     */
    void gruUpdate(float[] gates, int gOff, float[] s, float[] hPrev, float[] out, int outOff, int rows, int h);

    /**
     * LSTM pre-activations: rows of width 4h (gates i, f, g, o) at {@code gOff + r·4h}:
     * {@code gates += hh}, and the g block doubled after the sum, so that one σ call covers all
     * four gates (tanh(v) = 2σ(2v) − 1). No FMA.
     */
    void lstmPreActivation(float[] gates, float[] hh, int gOff, int rows, int h);

    /**
     * LSTM cell after σ: g = 2σ − 1 stored back in the g block, and
     * {@code cell[cOff + r·h + j] = f·cPrev[r·h + j] + i·g}, written to {@code cell} and
     * {@code cellCopy} (which then goes through tanh). {@code cell} may be {@code cPrev}. No FMA.
     */
    void lstmCell(float[] gates, int gOff, float[] cPrev, float[] cell, float[] cellCopy, int cOff, int rows, int h);

    /** LSTM output {@code out[cOff + r·h + j] = o · tanhCell[cOff + r·h + j]}. */
    void lstmOutput(float[] gates, int gOff, float[] tanhCell, float[] out, int cOff, int rows, int h);

    /** dBias(g) += Σ_rows dC(n,g). */
    void addColumnSums(float[] dc, int dcOff, float[] dBias, int dBiasOff, int n, int g);

    /**
     * One Adam step over elements [from, to) of w, with moments m, v and gradient g, exactly as
     * {@link org.jrnn.optim.Adam} defines it (m and v are updated in place):
     * <pre>
     *   m = β1·m + (1−β1)·g;   v = β2·v + (1−β2)·g·g
     *   Keras:   w −= α_t · m / (√v + ε)                      α_t = lr·√(1−β2^t)/(1−β1^t)
     *   PyTorch: w −= stepSize · m / (√v · invSqrtBc2 + ε)     stepSize = lr/(1−β1^t), invSqrtBc2 = 1/√(1−β2^t)
     * </pre>
     * 1−β1 and 1−β2 are passed rounded from double, as the frameworks do: {@code 1f − 0.999f}
     * differs from {@code (float) (1 − 0.999)} by 1.3e-5 relative. Every operation is
     * IEEE-rounded in float and no FMA is used, so all implementations agree bit for bit.
     * {@code invSqrtBc2} is ignored by the Keras variant.
     */
    void adamUpdate(float[] w, float[] g, float[] m, float[] v, int from, int to,
                    float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                    float alphaOrStepSize, float eps, boolean kerasVariant, float invSqrtBc2);

    /** The implementation chosen for this process (see {@link KernelProvider}). */
    static Kernels get() {
        return KernelProvider.INSTANCE;
    }

    /** The choice and why, e.g. {@code vector(512-bit)} or {@code scalar (jrnn.simd=false)}: for logs and reports. */
    static String describe() {
        return KernelProvider.describe();
    }

    /**
     * What decides the bits of a result, without why it was chosen: {@code scalar} or
     * {@code vector(N-bit)}. Products sum in lane order, so two runs agree bit for bit only when
     * this agrees too; training checkpoints record it (a resume elsewhere is warned about).
     */
    static String numerics() {
        return get().toString();
    }
}
