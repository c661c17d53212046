package org.jrnn.kernels;

// SIMD kernels on jdk.incubator.vector (JDK 17+, run with --add-modules jdk.incubator.vector).
// KernelProvider loads this class by name after checking the module is there: no other class
// may link against it, so plain Java 17 still runs. Products use the broadcast-FMA (axpy) form
// along a contiguous output row, register-blocked 4 rows × 2 vectors, and never reduce across
// lanes: on x86 C2 added float lanes in strict order, one dependent add per lane, until
// JDK-8337062 (JDK 24), which costs more than a whole k=64 dot product. Not here: threads,
// masked tails.

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels; every method agrees with {@link ScalarKernels} (products up to FMA rounding). */
final class VectorKernels implements Kernels {
    private static final ScalarKernels SCALAR = new ScalarKernels();

    /**
     * Below this many rows matmulABt stays scalar: the transposed copy of W it needs costs
     * g·k moves (~0.5 ns each), which one row cannot repay. Measured (n, k=64, g=256), 512-bit:
     * n=1 scalar 7.8 µs vs vector 7.8 µs; n=2 15.7 vs 8.8 µs; n=4 31 vs 8.3 µs.
     */
    static final int ABT_MIN_ROWS = 2;

    /**
     * How a fresh process gets to compiled vector code. Until C2 has compiled a Vector API method,
     * every operation in it runs as boxed Java code, 10-50x slower than plain scalar loops: it
     * made a one-text {@code jrnn predict} on bilstm2x64 ~0.6 s of CPU slower than the scalar
     * kernels (BENCHMARKS.md "Startup"). Meanwhile calls can go to {@link Body}'s warm-up twins:
     * plain loops that give the vector code's bits exactly (the same FMA chain per output element
     * in the same order, the same exp polynomial; the element kernels' scalar twins already agree
     * bit for bit), so which one ran never shows in a result. {@code -Djrnn.vectorWarmup=}
     * <ul>
     *   <li>{@code calls} (default): the first {@value #WARMUP_CALLS} calls of at most
     *       {@link #WARMUP_MAX_WORK} multiply-adds (or elements) go to the twins, then the vector
     *       code takes over: a short run never pays for boxed vector code, a long one barely notices;
     *   <li>{@code plain}: the twins only, big calls too: for a JVM without C2
     *       ({@code -XX:TieredStopAtLevel=1}, which the launcher sets for a one-shot predict);
     *   <li>{@code off}: vector code from the first call (tests and benchmarks constructing a width).
     * </ul>
     * Tried and dropped: a daemon thread running the vector kernels until C2 had compiled them
     * (~1 s of one core); on two cores it competed with the work it was meant to speed up, and a
     * bench's first inference pass was no faster (42k vs 50k samples/s on rnn_masked).
     */
    static final String WARMUP_CALLS_MODE = "calls", WARMUP_PLAIN = "plain", WARMUP_OFF = "off";
    /** Calls the twins serve in {@code calls} mode. */
    static final int WARMUP_CALLS = 5000;
    /** Largest call (multiply-adds, or elements) the twins take in {@code calls} mode: big calls compile on their own loops. */
    static final long WARMUP_MAX_WORK = 1 << 16;

    private final Body body;
    private final boolean plainOnly;
    private final int warmupCalls;
    /** Calls the twins served. Racy on purpose: a lost update only delays the switch, bits never depend on it. */
    private int warmCalls;

    /** The preferred width, or the one forced with {@code -Djrnn.vectorBits=128|256|512}. */
    VectorKernels() {
        this(Integer.getInteger("jrnn.vectorBits", FloatVector.SPECIES_PREFERRED.vectorBitSize()),
                System.getProperty("jrnn.vectorWarmup", WARMUP_CALLS_MODE));
    }

    /**
     * A given width (128, 256 or 512 bits), vector code from the first call: for tests and
     * benchmarks. Use one width per class loader: see {@link Body}.
     */
    VectorKernels(int bits) {
        this(bits, WARMUP_OFF);
    }

    /** A given width with a warm-up mode: {@code calls}, {@code plain} or {@code off}. */
    VectorKernels(int bits, String warmup) {
        if (!List.of(WARMUP_CALLS_MODE, WARMUP_PLAIN, WARMUP_OFF).contains(warmup)) { // before a width's class loads: see Body
            throw new IllegalArgumentException("jrnn.vectorWarmup must be calls, plain or off, received: " + warmup);
        }
        this.body = switch (bits) {
            case 128 -> new Body128();
            case 256 -> new Body256();
            case 512 -> new Body512();
            default -> throw new IllegalArgumentException("jrnn.vectorBits must be 128, 256 or 512, received: " + bits);
        };
        this.plainOnly = warmup.equals(WARMUP_PLAIN);
        this.warmupCalls = warmup.equals(WARMUP_CALLS_MODE) ? WARMUP_CALLS : 0;
    }

    /** Calls the twins have served in {@code calls} mode (for tests). */
    int warmupCallsServed() {
        return warmCalls;
    }

    /** Whether this call goes to the warm-up twin. */
    private boolean warmingUp(long work) {
        if (plainOnly) return true;
        if (warmCalls >= warmupCalls || work > WARMUP_MAX_WORK) return false;
        warmCalls++;
        return true;
    }

    @Override
    public void matmulABt(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g) {
        if (warmingUp((long) n * k * g)) body.matmulABtPlain(a, aOff, w, wOff, c, cOff, n, k, g);
        else body.matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
    }

    @Override
    public float[] prepareABt(float[] w, int wOff, int k, int g) {
        return body.prepareABt(w, wOff, k, g);
    }

    @Override
    public void matmulABtPrepared(float[] a, int aOff, float[] w, int wOff, float[] prepared, float[] c, int cOff, int n, int k, int g) {
        if (warmingUp((long) n * k * g)) body.abtPlain(a, aOff, w, wOff, c, cOff, n, k, g);
        else body.matmulABtPrepared(a, aOff, w, wOff, prepared, c, cOff, n, k, g);
    }

    @Override
    public void matmulAB(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g) {
        if (warmingUp((long) n * k * g)) body.matmulABPlain(dc, dcOff, w, wOff, da, daOff, n, k, g);
        else body.matmulAB(dc, dcOff, w, wOff, da, daOff, n, k, g);
    }

    @Override
    public void matmulAtB(float[] dc, int dcOff, float[] a, int aOff, float[] dw, int dwOff, int n, int k, int g) {
        body.matmulAtB(dc, dcOff, a, aOff, dw, dwOff, n, k, g);
    }

    @Override
    public void addRowVector(float[] bias, int biasOff, float[] c, int cOff, int n, int g) {
        if (warmingUp((long) n * g)) SCALAR.addRowVector(bias, biasOff, c, cOff, n, g); // plain adds: the same bits
        else body.addRowVector(bias, biasOff, c, cOff, n, g);
    }

    @Override
    public void addColumnSums(float[] dc, int dcOff, float[] dBias, int dBiasOff, int n, int g) {
        body.addColumnSums(dc, dcOff, dBias, dBiasOff, n, g);
    }

    /**
     * The scalar loop: C2's auto-vectoriser (SuperWord) already turns it into 512-bit code.
     * An explicit Vector API loop measured the same or up to 15% slower (2.3 vs 2.3-2.8·10⁹
     * elements/s on 1,280,000 floats, 3.3 vs 3.3 on 4,096), while -XX:-UseSuperWord drops the
     * scalar loop to 0.44: see BENCHMARKS.md.
     */
    @Override
    public void adamUpdate(float[] w, float[] g, float[] m, float[] v, int from, int to,
                           float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                           float alphaOrStepSize, float eps, boolean kerasVariant, float invSqrtBc2) {
        SCALAR.adamUpdate(w, g, m, v, from, to, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
                alphaOrStepSize, eps, kerasVariant, invSqrtBc2);
    }

    @Override
    public void sigmoid(float[] a, int off, int n) {
        if (warmingUp(n)) Body.sigmoidPlain(a, off, n);
        else body.sigmoid(a, off, n);
    }

    @Override
    public void tanh(float[] a, int off, int n) {
        if (warmingUp(n)) Body.tanhPlain(a, off, n);
        else body.tanh(a, off, n);
    }

    /**
     * The recurrent cells' element steps go row by row: rows narrower than a vector (LSTM(8) at
     * 512 bits) stay with the scalar twin, since the vector body would run only its scalar tails,
     * measured 15-60 % slower than the plain loops there.
     */
    private boolean narrow(int h) {
        return h < body.species().length();
    }

    /** Narrow rows, or a warm-up call: the scalar twin (the same bits). */
    private boolean plainRows(int rows, int h) {
        return narrow(h) || warmingUp((long) rows * h);
    }

    @Override
    public void gruCandidate(float[] gates, float[] hh, int gOff, float[] xn, int rows, int h) {
        if (plainRows(rows, h)) SCALAR.gruCandidate(gates, hh, gOff, xn, rows, h);
        else body.gruCandidate(gates, hh, gOff, xn, rows, h);
    }

    @Override
    public void gruUpdate(float[] gates, int gOff, float[] s, float[] hPrev, float[] out, int outOff, int rows, int h) {
        if (plainRows(rows, h)) SCALAR.gruUpdate(gates, gOff, s, hPrev, out, outOff, rows, h);
        else body.gruUpdate(gates, gOff, s, hPrev, out, outOff, rows, h);
    }

    @Override
    public void lstmPreActivation(float[] gates, float[] hh, int gOff, int rows, int h) {
        if (plainRows(rows, h)) SCALAR.lstmPreActivation(gates, hh, gOff, rows, h);
        else body.lstmPreActivation(gates, hh, gOff, rows, h);
    }

    @Override
    public void lstmCell(float[] gates, int gOff, float[] cPrev, float[] cell, float[] cellCopy, int cOff, int rows, int h) {
        if (plainRows(rows, h)) SCALAR.lstmCell(gates, gOff, cPrev, cell, cellCopy, cOff, rows, h);
        else body.lstmCell(gates, gOff, cPrev, cell, cellCopy, cOff, rows, h);
    }

    @Override
    public void lstmOutput(float[] gates, int gOff, float[] tanhCell, float[] out, int cOff, int rows, int h) {
        if (plainRows(rows, h)) SCALAR.lstmOutput(gates, gOff, tanhCell, out, cOff, rows, h);
        else body.lstmOutput(gates, gOff, tanhCell, out, cOff, rows, h);
    }

    @Override
    public String toString() {
        return "vector(" + body.species().vectorBitSize() + "-bit" + (plainOnly ? ", plain loops only" : "") + ")";
    }

    private static final class Body128 extends Body {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    private static final class Body256 extends Body {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    private static final class Body512 extends Body {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    /**
     * The kernels, written once against {@link #species()}, with one subclass per width that
     * holds its species in a static final field. C2 intrinsifies a Vector API call only when
     * its species is a compile-time constant; with one subclass loaded, class-hierarchy
     * analysis inlines species() as one. Load a second width in the same class loader and
     * species() turns megamorphic: every vector op then runs as boxed Java code, measured
     * 1.4 GFLOPS instead of 85 (and below scalar's 5) on matmulAB (600, 64, 16). An instance
     * field would be no better: C2 does not fold final instance fields of ordinary classes.
     */
    private abstract static class Body {
        /** Per-thread scratch for the transposed weight of matmulABt; grows, never shrinks. */
        private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

        abstract VectorSpecies<Float> species();

        final void matmulABt(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g) {
            VectorSpecies<Float> s = species();
            int gv = s.loopBound(g);
            if (n < ABT_MIN_ROWS || gv == 0 || k == 0) {
                SCALAR.matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
                return;
            }
            // C = A·Wᵀ = A·Wt: copy the first gv rows of W transposed, Wt (k, gv), so that the
            // product runs along contiguous rows of Wt and C.
            float[] wt = scratch(k * gv);
            transpose(w, wOff, k, gv, wt);
            axpyGemm(a, aOff, k, 1, wt, 0, gv, c, cOff, g, n, k, gv);
            if (gv < g) {
                dotColumns(a, aOff, w, wOff, c, cOff, n, k, g, gv);
            }
        }

        /** Wt (k, gv): the first gv = loopBound(g) rows of W transposed, what matmulABt copies on every call. */
        final float[] prepareABt(float[] w, int wOff, int k, int g) {
            int gv = species().loopBound(g);
            float[] wt = new float[k * gv];
            if (gv > 0 && k > 0) transpose(w, wOff, k, gv, wt);
            return wt;
        }

        /** The multi-row path of {@link #matmulABt} on a prepared Wt, for any n. */
        final void matmulABtPrepared(float[] a, int aOff, float[] w, int wOff, float[] wt, float[] c, int cOff, int n, int k, int g) {
            int gv = species().loopBound(g);
            if (gv == 0 || k == 0) {
                SCALAR.matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
                return;
            }
            if (wt.length != k * gv) {
                throw new IllegalArgumentException("prepared weight of " + wt.length + " values, expected " + k * gv + " (prepareABt of this width)");
            }
            axpyGemm(a, aOff, k, 1, wt, 0, gv, c, cOff, g, n, k, gv);
            if (gv < g) {
                dotColumns(a, aOff, w, wOff, c, cOff, n, k, g, gv);
            }
        }

        /** {@link #matmulABt} as plain loops, bit for bit: each vector column's FMA chain over p, read straight from W. */
        final void matmulABtPlain(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g) {
            if (n < ABT_MIN_ROWS) {
                SCALAR.matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
                return;
            }
            abtPlain(a, aOff, w, wOff, c, cOff, n, k, g);
        }

        /** The multi-row {@link #matmulABt}'s bits as plain loops, for any n (the warm-up twin of matmulABtPrepared too). */
        final void abtPlain(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g) {
            int gv = species().loopBound(g);
            if (gv == 0 || k == 0) {
                SCALAR.matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
                return;
            }
            for (int i = 0; i < n; i++) {
                int ai = aOff + i * k;
                int ci = cOff + i * g;
                for (int j = 0; j < gv; j++) {
                    int wj = wOff + j * k;
                    float acc = c[ci + j];
                    for (int p = 0; p < k; p++) acc = Math.fma(a[ai + p], w[wj + p], acc);
                    c[ci + j] = acc;
                }
            }
            if (gv < g) {
                dotColumns(a, aOff, w, wOff, c, cOff, n, k, g, gv);
            }
        }

        /** {@link #matmulAB} as plain loops, bit for bit. */
        final void matmulABPlain(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g) {
            if (k < species().length()) {
                SCALAR.matmulAB(dc, dcOff, w, wOff, da, daOff, n, k, g);
                return;
            }
            axpyGemmPlain(dc, dcOff, g, 1, w, wOff, k, da, daOff, k, n, g, k);
        }

        /**
         * {@link #axpyGemm} as plain loops: every output element of the vectorised columns gets
         * the same FMA chain over p in the same order as its vector lane, the rest the same
         * scalar tail. Row by row, p outside, so each x is read once and the j loop is an axpy.
         */
        private void axpyGemmPlain(float[] x, int xOff, int xRs, int xCs, float[] y, int yOff, int yRs,
                                   float[] out, int outOff, int outRs, int rows, int depth, int cols) {
            int cv = species().loopBound(cols);
            for (int i = 0; i < rows; i++) {
                int xi = xOff + i * xRs;
                int oi = outOff + i * outRs;
                for (int p = 0; p < depth; p++) {
                    float xp = x[xi + p * xCs];
                    int yp = yOff + p * yRs;
                    for (int j = 0; j < cv; j++) out[oi + j] = Math.fma(xp, y[yp + j], out[oi + j]);
                }
                scalarColumns(x, xi, xCs, y, yOff, yRs, out, oi, depth, cv, cols);
            }
        }

        final void matmulAB(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g) {
            if (k < species().length()) {
                SCALAR.matmulAB(dc, dcOff, w, wOff, da, daOff, n, k, g);
                return;
            }
            // dA[i,:] += Σ_j dC[i,j] · W[j,:]
            axpyGemm(dc, dcOff, g, 1, w, wOff, k, da, daOff, k, n, g, k);
        }

        final void matmulAtB(float[] dc, int dcOff, float[] a, int aOff, float[] dw, int dwOff, int n, int k, int g) {
            if (k < species().length()) {
                SCALAR.matmulAtB(dc, dcOff, a, aOff, dw, dwOff, n, k, g);
                return;
            }
            // dW[j,:] += Σ_i dC[i,j] · A[i,:]; dCᵀ is read with swapped strides, never copied.
            axpyGemm(dc, dcOff, 1, g, a, aOff, k, dw, dwOff, k, g, n, k);
        }

        /**
         * e^x with Cephes' expf polynomial (range reduction by ln 2, degree-6 polynomial, 2^n
         * through the exponent bits), ~2 ulp; 0.5 ns per sigmoid. Built only from add/mul/FMA/shift, which
         * give the same bits compiled or interpreted. Not the EXP lane operation: C2 maps it to
         * SVML, but before C2 compiles a method the fallback computes other bits, so results
         * depended on JIT timing and a resumed run no longer matched an uninterrupted one.
         */
        private FloatVector exp(FloatVector x) {
            VectorSpecies<Float> s = species();
            x = x.min(88.37626f).max(-87.33654f);
            // Round x·log2(e) to an integer n by adding 1.5·2^23: the float's low mantissa bits
            // then hold n. (F2I/I2F conversions are not intrinsified on JDK 17: 10× slower.)
            FloatVector big = x.mul(1.44269504088896341f).add(12582912f);
            FloatVector n = big.sub(12582912f);
            IntVector ni = big.reinterpretAsInts().sub(0x4B400000);
            FloatVector r = x.sub(n.mul(0.693359375f)).sub(n.mul(-2.12194440e-4f));
            FloatVector z = r.mul(r);
            FloatVector y = FloatVector.broadcast(s, 1.9875691500e-4f)
                    .fma(r, FloatVector.broadcast(s, 1.3981999507e-3f))
                    .fma(r, FloatVector.broadcast(s, 8.3334519073e-3f))
                    .fma(r, FloatVector.broadcast(s, 4.1665795894e-2f))
                    .fma(r, FloatVector.broadcast(s, 1.6666665459e-1f))
                    .fma(r, FloatVector.broadcast(s, 5.0000001201e-1f))
                    .fma(z, r).add(1f);
            IntVector bits = ni.add(127).lanewise(VectorOperators.LSHL, 23);
            return y.mul(bits.reinterpretAsFloats());
        }

        /**
         * The same operations on one float, bit for bit, for the tails: a value's result must
         * not depend on where it sits in the array (batch composition would change predictions).
         */
        static float exp(float x) {
            x = Math.max(Math.min(x, 88.37626f), -87.33654f);
            float big = x * 1.44269504088896341f + 12582912f;
            float n = big - 12582912f;
            int ni = Float.floatToRawIntBits(big) - 0x4B400000;
            float r = x - n * 0.693359375f - n * -2.12194440e-4f;
            float z = r * r;
            float y = Math.fma(1.9875691500e-4f, r, 1.3981999507e-3f);
            y = Math.fma(y, r, 8.3334519073e-3f);
            y = Math.fma(y, r, 4.1665795894e-2f);
            y = Math.fma(y, r, 1.6666665459e-1f);
            y = Math.fma(y, r, 5.0000001201e-1f);
            y = Math.fma(y, z, r) + 1f;
            return y * Float.intBitsToFloat((ni + 127) << 23);
        }

        /** σ(x) = 1 / (1 + e^−x): 13× the scalar Math.exp loop on 512-bit vectors. */
        final void sigmoid(float[] a, int off, int n) {
            VectorSpecies<Float> s = species();
            int nv = s.loopBound(n);
            int i = 0;
            for (; i < nv; i += s.length()) {
                FloatVector e = exp(FloatVector.fromArray(s, a, off + i).neg());
                FloatVector.broadcast(s, 1f).div(e.add(1f)).intoArray(a, off + i);
            }
            sigmoidPlain(a, off + i, n - i);
        }

        /** {@link #sigmoid}'s scalar tail, and its warm-up twin for a whole array: the same bits. */
        static void sigmoidPlain(float[] a, int off, int n) {
            for (int i = 0; i < n; i++) a[off + i] = 1f / (exp(-a[off + i]) + 1f);
        }

        /** {@link #tanh}'s scalar tail, and its warm-up twin for a whole array: the same bits. */
        static void tanhPlain(float[] a, int off, int n) {
            for (int i = 0; i < n; i++) a[off + i] = 1f - 2f / (exp(a[off + i] * 2f) + 1f);
        }

        /** tanh(x) = 1 − 2 / (e^{2x} + 1). */
        final void tanh(float[] a, int off, int n) {
            VectorSpecies<Float> s = species();
            int nv = s.loopBound(n);
            int i = 0;
            for (; i < nv; i += s.length()) {
                FloatVector e = exp(FloatVector.fromArray(s, a, off + i).mul(2f));
                FloatVector.broadcast(s, 1f).sub(FloatVector.broadcast(s, 2f).div(e.add(1f))).intoArray(a, off + i);
            }
            tanhPlain(a, off + i, n - i);
        }

        /**
         * Row by row, whole vectors within the row, the scalar twin's loop for the rest: with
         * H = 16 a row is one 512-bit vector, where C2 left the plain loop scalar (it was 31 %
         * of a GRU's inference time together with the update below).
         */
        final void gruCandidate(float[] gates, float[] hh, int gOff, float[] xn, int rows, int h) {
            VectorSpecies<Float> s = species();
            int hv = s.loopBound(h);
            for (int r = 0; r < rows; r++) {
                int b = gOff + r * 3 * h;
                int x = r * h;
                int j = 0;
                for (; j < hv; j += s.length()) {
                    FloatVector rg = FloatVector.fromArray(s, gates, b + j);
                    FloatVector hn = FloatVector.fromArray(s, hh, b + 2 * h + j);
                    FloatVector.fromArray(s, xn, x + j).add(rg.mul(hn)).mul(2f).intoArray(xn, x + j);
                }
                for (; j < h; j++) xn[x + j] = 2f * (xn[x + j] + gates[b + j] * hh[b + 2 * h + j]);
            }
        }

        final void gruUpdate(float[] gates, int gOff, float[] sig, float[] hPrev, float[] out, int outOff, int rows, int h) {
            VectorSpecies<Float> s = species();
            int hv = s.loopBound(h);
            for (int r = 0; r < rows; r++) {
                int b = gOff + r * 3 * h;
                int x = r * h;
                int j = 0;
                for (; j < hv; j += s.length()) {
                    FloatVector n = FloatVector.fromArray(s, sig, x + j).mul(2f).sub(1f);
                    n.intoArray(gates, b + 2 * h + j);
                    FloatVector z = FloatVector.fromArray(s, gates, b + h + j);
                    FloatVector hp = FloatVector.fromArray(s, hPrev, x + j);
                    FloatVector.broadcast(s, 1f).sub(z).mul(n).add(z.mul(hp)).intoArray(out, outOff + x + j);
                }
                for (; j < h; j++) {
                    float n = 2f * sig[x + j] - 1f;
                    gates[b + 2 * h + j] = n;
                    float z = gates[b + h + j];
                    out[outOff + x + j] = (1f - z) * n + z * hPrev[x + j];
                }
            }
        }

        final void lstmPreActivation(float[] gates, float[] hh, int gOff, int rows, int h) {
            VectorSpecies<Float> s = species();
            int len = s.length();
            int hv = s.loopBound(h);
            for (int r = 0; r < rows; r++) {
                int b = gOff + r * 4 * h;
                for (int blk = 0; blk < 4; blk++) {
                    int o = b + blk * h;
                    float scale = blk == 2 ? 2f : 1f; // ×1 is exact: one loop for all four blocks
                    int j = 0;
                    for (; j < hv; j += len) {
                        FloatVector.fromArray(s, gates, o + j).add(FloatVector.fromArray(s, hh, o + j)).mul(scale).intoArray(gates, o + j);
                    }
                    for (; j < h; j++) gates[o + j] = (gates[o + j] + hh[o + j]) * scale;
                }
            }
        }

        final void lstmCell(float[] gates, int gOff, float[] cPrev, float[] cell, float[] cellCopy, int cOff, int rows, int h) {
            VectorSpecies<Float> s = species();
            int hv = s.loopBound(h);
            for (int r = 0; r < rows; r++) {
                int b = gOff + r * 4 * h;
                int x = r * h;
                int j = 0;
                for (; j < hv; j += s.length()) {
                    FloatVector g = FloatVector.fromArray(s, gates, b + 2 * h + j).mul(2f).sub(1f);
                    g.intoArray(gates, b + 2 * h + j);
                    FloatVector f = FloatVector.fromArray(s, gates, b + h + j);
                    FloatVector i = FloatVector.fromArray(s, gates, b + j);
                    FloatVector c = f.mul(FloatVector.fromArray(s, cPrev, x + j)).add(i.mul(g));
                    c.intoArray(cell, cOff + x + j);
                    c.intoArray(cellCopy, cOff + x + j);
                }
                for (; j < h; j++) {
                    float g = 2f * gates[b + 2 * h + j] - 1f;
                    gates[b + 2 * h + j] = g;
                    float c = gates[b + h + j] * cPrev[x + j] + gates[b + j] * g;
                    cell[cOff + x + j] = c;
                    cellCopy[cOff + x + j] = c;
                }
            }
        }

        final void lstmOutput(float[] gates, int gOff, float[] tanhCell, float[] out, int cOff, int rows, int h) {
            VectorSpecies<Float> s = species();
            int hv = s.loopBound(h);
            for (int r = 0; r < rows; r++) {
                int b = gOff + r * 4 * h + 3 * h;
                int x = cOff + r * h;
                int j = 0;
                for (; j < hv; j += s.length()) {
                    FloatVector.fromArray(s, gates, b + j).mul(FloatVector.fromArray(s, tanhCell, x + j)).intoArray(out, x + j);
                }
                for (; j < h; j++) out[x + j] = gates[b + j] * tanhCell[x + j];
            }
        }

        final void addRowVector(float[] bias, int biasOff, float[] c, int cOff, int n, int g) {
            VectorSpecies<Float> s = species();
            int gv = s.loopBound(g);
            int len = s.length();
            for (int i = 0; i < n; i++) {
                int ci = cOff + i * g;
                int j = 0;
                for (; j < gv; j += len) {
                    FloatVector.fromArray(s, c, ci + j).add(FloatVector.fromArray(s, bias, biasOff + j)).intoArray(c, ci + j);
                }
                for (; j < g; j++) {
                    c[ci + j] += bias[biasOff + j];
                }
            }
        }

        final void addColumnSums(float[] dc, int dcOff, float[] dBias, int dBiasOff, int n, int g) {
            VectorSpecies<Float> s = species();
            int gv = s.loopBound(g);
            int len = s.length();
            // Column blocks outside, rows inside: each sum stays in a register and adds rows in
            // the scalar order, so the result is bit-identical.
            for (int j = 0; j < gv; j += len) {
                FloatVector acc = FloatVector.fromArray(s, dBias, dBiasOff + j);
                for (int i = 0, ci = dcOff + j; i < n; i++, ci += g) {
                    acc = acc.add(FloatVector.fromArray(s, dc, ci));
                }
                acc.intoArray(dBias, dBiasOff + j);
            }
            if (gv < g) {
                for (int i = 0; i < n; i++) {
                    int ci = dcOff + i * g;
                    for (int j = gv; j < g; j++) {
                        dBias[dBiasOff + j] += dc[ci + j];
                    }
                }
            }
        }

        /**
         * wt (k, rows) = the first {@code rows} rows of w (·, k) transposed; rows is a multiple of
         * 4 (of the lanes). Four rows at a time, so each p writes 16 contiguous bytes: the plain
         * one-row loop ran at ~1 ns per element and dominated a 16-row recurrent step.
         */
        private static void transpose(float[] w, int wOff, int k, int rows, float[] wt) {
            for (int j = 0; j < rows; j += 4) {
                int s0 = wOff + j * k;
                int s1 = s0 + k;
                int s2 = s1 + k;
                int s3 = s2 + k;
                for (int p = 0, d = j; p < k; p++, d += rows) {
                    wt[d] = w[s0 + p];
                    wt[d + 1] = w[s1 + p];
                    wt[d + 2] = w[s2 + p];
                    wt[d + 3] = w[s3 + p];
                }
            }
        }

        private float[] scratch(int size) {
            float[] buf = scratch.get();
            if (buf.length < size) {
                buf = new float[size];
                scratch.set(buf);
            }
            return buf;
        }

        /**
         * out(rows, cols) += X(rows, depth) · Y(depth, cols) with X(i, p) at
         * {@code x[xOff + i·xRs + p·xCs]}, Y rows {@code yRs} apart and out rows {@code outRs}
         * apart. Columns up to loopBound(cols) are vectorised, the rest are scalar dot products.
         */
        private void axpyGemm(float[] x, int xOff, int xRs, int xCs, float[] y, int yOff, int yRs,
                              float[] out, int outOff, int outRs, int rows, int depth, int cols) {
            VectorSpecies<Float> s = species();
            int len = s.length();
            int cv = s.loopBound(cols);
            int c2 = cv - cv % (2 * len);
            int c4 = cv - cv % (4 * len);
            int i = 0;
            for (; i + 4 <= rows; i += 4) {
                int xi = xOff + i * xRs;
                int oi = outOff + i * outRs;
                int j = 0;
                for (; j < c4; j += 4 * len) {
                    block4x4(x, xi, xRs, xCs, y, yOff + j, yRs, out, oi + j, outRs, depth);
                }
                for (; j < c2; j += 2 * len) {
                    block4x2(x, xi, xRs, xCs, y, yOff + j, yRs, out, oi + j, outRs, depth);
                }
                for (; j < cv; j += len) {
                    block4x1(x, xi, xRs, xCs, y, yOff + j, yRs, out, oi + j, outRs, depth);
                }
                for (int r = 0; r < 4; r++) {
                    scalarColumns(x, xi + r * xRs, xCs, y, yOff, yRs, out, oi + r * outRs, depth, cv, cols);
                }
            }
            for (; i < rows; i++) {
                int xi = xOff + i * xRs;
                int oi = outOff + i * outRs;
                int j = 0;
                for (; j < c2; j += 2 * len) {
                    block1x2(x, xi, xCs, y, yOff + j, yRs, out, oi + j, depth);
                }
                for (; j < cv; j += len) {
                    block1x1(x, xi, xCs, y, yOff + j, yRs, out, oi + j, depth);
                }
                scalarColumns(x, xi, xCs, y, yOff, yRs, out, oi, depth, cv, cols);
            }
        }

        /**
         * 4 rows × 4 vectors of out: 16 accumulators, per step 4 loads + 4 broadcasts for 16
         * FMAs, half the loads per FMA of {@link #block4x2}: Y streams from L2 once per 4 rows,
         * so this is what wide outputs (the 4·H gate columns) run on. Each output still sums
         * over p in order: the same bits as the narrower blocks.
         */
        private void block4x4(float[] x, int xi, int xRs, int xCs, float[] y, int yj, int yRs,
                              float[] out, int o0, int outRs, int depth) {
            VectorSpecies<Float> s = species();
            int len = s.length();
            int o1 = o0 + outRs;
            int o2 = o1 + outRs;
            int o3 = o2 + outRs;
            FloatVector c00 = FloatVector.fromArray(s, out, o0);
            FloatVector c01 = FloatVector.fromArray(s, out, o0 + len);
            FloatVector c02 = FloatVector.fromArray(s, out, o0 + 2 * len);
            FloatVector c03 = FloatVector.fromArray(s, out, o0 + 3 * len);
            FloatVector c10 = FloatVector.fromArray(s, out, o1);
            FloatVector c11 = FloatVector.fromArray(s, out, o1 + len);
            FloatVector c12 = FloatVector.fromArray(s, out, o1 + 2 * len);
            FloatVector c13 = FloatVector.fromArray(s, out, o1 + 3 * len);
            FloatVector c20 = FloatVector.fromArray(s, out, o2);
            FloatVector c21 = FloatVector.fromArray(s, out, o2 + len);
            FloatVector c22 = FloatVector.fromArray(s, out, o2 + 2 * len);
            FloatVector c23 = FloatVector.fromArray(s, out, o2 + 3 * len);
            FloatVector c30 = FloatVector.fromArray(s, out, o3);
            FloatVector c31 = FloatVector.fromArray(s, out, o3 + len);
            FloatVector c32 = FloatVector.fromArray(s, out, o3 + 2 * len);
            FloatVector c33 = FloatVector.fromArray(s, out, o3 + 3 * len);
            int x0 = xi;
            int x1 = x0 + xRs;
            int x2 = x1 + xRs;
            int x3 = x2 + xRs;
            int yp = yj;
            for (int p = 0; p < depth; p++) {
                FloatVector y0 = FloatVector.fromArray(s, y, yp);
                FloatVector y1 = FloatVector.fromArray(s, y, yp + len);
                FloatVector y2 = FloatVector.fromArray(s, y, yp + 2 * len);
                FloatVector y3 = FloatVector.fromArray(s, y, yp + 3 * len);
                FloatVector b = FloatVector.broadcast(s, x[x0]);
                c00 = b.fma(y0, c00);
                c01 = b.fma(y1, c01);
                c02 = b.fma(y2, c02);
                c03 = b.fma(y3, c03);
                b = FloatVector.broadcast(s, x[x1]);
                c10 = b.fma(y0, c10);
                c11 = b.fma(y1, c11);
                c12 = b.fma(y2, c12);
                c13 = b.fma(y3, c13);
                b = FloatVector.broadcast(s, x[x2]);
                c20 = b.fma(y0, c20);
                c21 = b.fma(y1, c21);
                c22 = b.fma(y2, c22);
                c23 = b.fma(y3, c23);
                b = FloatVector.broadcast(s, x[x3]);
                c30 = b.fma(y0, c30);
                c31 = b.fma(y1, c31);
                c32 = b.fma(y2, c32);
                c33 = b.fma(y3, c33);
                x0 += xCs;
                x1 += xCs;
                x2 += xCs;
                x3 += xCs;
                yp += yRs;
            }
            c00.intoArray(out, o0);
            c01.intoArray(out, o0 + len);
            c02.intoArray(out, o0 + 2 * len);
            c03.intoArray(out, o0 + 3 * len);
            c10.intoArray(out, o1);
            c11.intoArray(out, o1 + len);
            c12.intoArray(out, o1 + 2 * len);
            c13.intoArray(out, o1 + 3 * len);
            c20.intoArray(out, o2);
            c21.intoArray(out, o2 + len);
            c22.intoArray(out, o2 + 2 * len);
            c23.intoArray(out, o2 + 3 * len);
            c30.intoArray(out, o3);
            c31.intoArray(out, o3 + len);
            c32.intoArray(out, o3 + 2 * len);
            c33.intoArray(out, o3 + 3 * len);
        }

        /** 4 rows × 2 vectors of out: 8 accumulators, per step 2 loads + 4 broadcasts for 8 FMAs. */
        private void block4x2(float[] x, int xi, int xRs, int xCs, float[] y, int yj, int yRs,
                              float[] out, int o0, int outRs, int depth) {
            VectorSpecies<Float> s = species();
            int len = s.length();
            int o1 = o0 + outRs;
            int o2 = o1 + outRs;
            int o3 = o2 + outRs;
            FloatVector c00 = FloatVector.fromArray(s, out, o0);
            FloatVector c01 = FloatVector.fromArray(s, out, o0 + len);
            FloatVector c10 = FloatVector.fromArray(s, out, o1);
            FloatVector c11 = FloatVector.fromArray(s, out, o1 + len);
            FloatVector c20 = FloatVector.fromArray(s, out, o2);
            FloatVector c21 = FloatVector.fromArray(s, out, o2 + len);
            FloatVector c30 = FloatVector.fromArray(s, out, o3);
            FloatVector c31 = FloatVector.fromArray(s, out, o3 + len);
            int x0 = xi;
            int x1 = x0 + xRs;
            int x2 = x1 + xRs;
            int x3 = x2 + xRs;
            int yp = yj;
            for (int p = 0; p < depth; p++) {
                FloatVector y0 = FloatVector.fromArray(s, y, yp);
                FloatVector y1 = FloatVector.fromArray(s, y, yp + len);
                FloatVector b = FloatVector.broadcast(s, x[x0]);
                c00 = b.fma(y0, c00);
                c01 = b.fma(y1, c01);
                b = FloatVector.broadcast(s, x[x1]);
                c10 = b.fma(y0, c10);
                c11 = b.fma(y1, c11);
                b = FloatVector.broadcast(s, x[x2]);
                c20 = b.fma(y0, c20);
                c21 = b.fma(y1, c21);
                b = FloatVector.broadcast(s, x[x3]);
                c30 = b.fma(y0, c30);
                c31 = b.fma(y1, c31);
                x0 += xCs;
                x1 += xCs;
                x2 += xCs;
                x3 += xCs;
                yp += yRs;
            }
            c00.intoArray(out, o0);
            c01.intoArray(out, o0 + len);
            c10.intoArray(out, o1);
            c11.intoArray(out, o1 + len);
            c20.intoArray(out, o2);
            c21.intoArray(out, o2 + len);
            c30.intoArray(out, o3);
            c31.intoArray(out, o3 + len);
        }

        private void block4x1(float[] x, int xi, int xRs, int xCs, float[] y, int yj, int yRs,
                              float[] out, int o0, int outRs, int depth) {
            VectorSpecies<Float> s = species();
            int o1 = o0 + outRs;
            int o2 = o1 + outRs;
            int o3 = o2 + outRs;
            FloatVector c0 = FloatVector.fromArray(s, out, o0);
            FloatVector c1 = FloatVector.fromArray(s, out, o1);
            FloatVector c2 = FloatVector.fromArray(s, out, o2);
            FloatVector c3 = FloatVector.fromArray(s, out, o3);
            int x0 = xi;
            int x1 = x0 + xRs;
            int x2 = x1 + xRs;
            int x3 = x2 + xRs;
            int yp = yj;
            for (int p = 0; p < depth; p++) {
                FloatVector y0 = FloatVector.fromArray(s, y, yp);
                c0 = FloatVector.broadcast(s, x[x0]).fma(y0, c0);
                c1 = FloatVector.broadcast(s, x[x1]).fma(y0, c1);
                c2 = FloatVector.broadcast(s, x[x2]).fma(y0, c2);
                c3 = FloatVector.broadcast(s, x[x3]).fma(y0, c3);
                x0 += xCs;
                x1 += xCs;
                x2 += xCs;
                x3 += xCs;
                yp += yRs;
            }
            c0.intoArray(out, o0);
            c1.intoArray(out, o1);
            c2.intoArray(out, o2);
            c3.intoArray(out, o3);
        }

        private void block1x2(float[] x, int xi, int xCs, float[] y, int yj, int yRs, float[] out, int o0, int depth) {
            VectorSpecies<Float> s = species();
            int len = s.length();
            FloatVector c0 = FloatVector.fromArray(s, out, o0);
            FloatVector c1 = FloatVector.fromArray(s, out, o0 + len);
            for (int p = 0, xp = xi, yp = yj; p < depth; p++, xp += xCs, yp += yRs) {
                FloatVector b = FloatVector.broadcast(s, x[xp]);
                c0 = b.fma(FloatVector.fromArray(s, y, yp), c0);
                c1 = b.fma(FloatVector.fromArray(s, y, yp + len), c1);
            }
            c0.intoArray(out, o0);
            c1.intoArray(out, o0 + len);
        }

        private void block1x1(float[] x, int xi, int xCs, float[] y, int yj, int yRs, float[] out, int o0, int depth) {
            VectorSpecies<Float> s = species();
            FloatVector c0 = FloatVector.fromArray(s, out, o0);
            for (int p = 0, xp = xi, yp = yj; p < depth; p++, xp += xCs, yp += yRs) {
                c0 = FloatVector.broadcast(s, x[xp]).fma(FloatVector.fromArray(s, y, yp), c0);
            }
            c0.intoArray(out, o0);
        }

        /** The scalar tail: out[oi + j] += Σ_p X(row, p)·Y(p, j) for j in [from, to). */
        private static void scalarColumns(float[] x, int xi, int xCs, float[] y, int yOff, int yRs,
                                          float[] out, int oi, int depth, int from, int to) {
            for (int j = from; j < to; j++) {
                float sum = 0f;
                for (int p = 0, xp = xi, yp = yOff + j; p < depth; p++, xp += xCs, yp += yRs) {
                    sum += x[xp] * y[yp];
                }
                out[oi + j] += sum;
            }
        }

        /** Scalar matmulABt for output columns [from, g), read straight from W. */
        private static void dotColumns(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff,
                                       int n, int k, int g, int from) {
            for (int i = 0; i < n; i++) {
                int ai = aOff + i * k;
                int ci = cOff + i * g;
                for (int j = from; j < g; j++) {
                    int wj = wOff + j * k;
                    float sum = 0f;
                    for (int p = 0; p < k; p++) {
                        sum += a[ai + p] * w[wj + p];
                    }
                    c[ci + j] += sum;
                }
            }
        }
    }
}
