package org.jrnn.kernels;

/**
 * The hot loops of jrnn: dense products and row reductions on row-major float arrays.
 * Every layer goes through this interface so that a SIMD implementation can replace the
 * scalar reference in one place. Products accumulate into their output ({@code +=}):
 * callers clear it first when they want {@code =}.
 *
 * <p>Shapes: A (n, k), W (g, k) the PyTorch weight layout (out, in), C (n, g).
 */
public interface Kernels {

    /** C(n,g) += A(n,k) · W(g,k)ᵀ — the forward product of a PyTorch-layout weight. */
    void matmulABt(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g);

    /** dA(n,k) += dC(n,g) · W(g,k) — the input gradient of {@link #matmulABt}. */
    void matmulAB(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g);

    /** dW(g,k) += dC(n,g)ᵀ · A(n,k) — the weight gradient of {@link #matmulABt}. */
    void matmulAtB(float[] dc, int dcOff, float[] a, int aOff, float[] dw, int dwOff, int n, int k, int g);

    /** C(n,g) row i += bias(g) for every row. */
    void addRowVector(float[] bias, int biasOff, float[] c, int cOff, int n, int g);

    /** dBias(g) += Σ_rows dC(n,g). */
    void addColumnSums(float[] dc, int dcOff, float[] dBias, int dBiasOff, int n, int g);

    /** The implementation chosen for this process (see {@link KernelProvider}). */
    static Kernels get() {
        return KernelProvider.INSTANCE;
    }
}
