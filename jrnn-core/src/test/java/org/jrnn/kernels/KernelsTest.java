package org.jrnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;

/**
 * Every VectorKernels method against its ScalarKernels twin, for every width that can be
 * forced, on awkward sizes (0, 1, lanes±1, around 64, 300) and non-zero offsets. Products may
 * differ by FMA rounding: each element is judged against Σ|a||w| + |c|, the scale of its
 * rounding error. Everything else must agree bit for bit.
 *
 * <p>Each width is loaded in a class loader of its own ({@link #vectorKernels}): a second
 * width in one loader would leave every width's species non-constant to C2, and the vector
 * kernels ~60x slower for the rest of the suite, which shares this JVM.
 */
class KernelsTest {
    private static final ScalarKernels SCALAR = new ScalarKernels();
    private static final double TOL = 1e-5;

    /** Products are cubic: skip shapes beyond this many multiply-adds to keep the suite fast. */
    private static final long MAX_MACS = 300L * 65 * 65;

    /** VectorKernels of the given width, defined afresh in its own class loader. */
    static Kernels vectorKernels(int bits) {
        return vectorKernels(bits, VectorKernels.WARMUP_OFF);
    }

    /** As {@link #vectorKernels(int)}, with a warm-up mode (VectorKernels.WARMUP_*). */
    static Kernels vectorKernels(int bits, String warmup) {
        try {
            URL classes = VectorKernels.class.getProtectionDomain().getCodeSource().getLocation();
            ClassLoader parent = KernelsTest.class.getClassLoader();
            ClassLoader isolated = new URLClassLoader("vector" + bits, new URL[] {classes}, parent) {
                @Override
                protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                    if (!name.startsWith(VectorKernels.class.getName())) return super.loadClass(name, resolve);
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : findClass(name);
                    }
                }
            };
            Constructor<?> ctor = isolated.loadClass(VectorKernels.class.getName()).getDeclaredConstructor(int.class, String.class);
            ctor.setAccessible(true);
            return (Kernels) ctor.newInstance(bits, warmup);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int lanes(Kernels vk) {
        return Integer.parseInt(vk.toString().replaceAll("\\D", "")) / Float.SIZE;
    }

    private static int[] sizes(int lanes) {
        return new int[] {0, 1, lanes - 1, lanes, lanes + 1, 17, 63, 64, 65, 300};
    }

    private enum Product { ABT, AB, ATB }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void productsMatchScalarOnAwkwardShapes(int bits) {
        Kernels vk = vectorKernels(bits);
        assertThat(vk.toString()).isEqualTo("vector(" + bits + "-bit)");
        int[] sizes = sizes(lanes(vk));
        SplittableRandom rng = new SplittableRandom(bits);
        int checked = 0;
        for (int n : sizes) {
            for (int k : sizes) {
                for (int g : sizes) {
                    if ((long) n * k * g > MAX_MACS) continue;
                    for (Product product : Product.values()) {
                        checkProduct(vk, product, n, k, g, rng);
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(2000);
    }

    private static void checkProduct(Kernels vk, Product product, int n, int k, int g, SplittableRandom rng) {
        // Operand shapes per product: (left, right, out), as rows × cols.
        int leftLen = product == Product.ABT ? n * k : n * g;   // A (n,k) or dC (n,g)
        int rightLen = product == Product.ATB ? n * k : g * k;  // A (n,k) or W (g,k)
        int outLen = switch (product) {
            case ABT -> n * g;                                   // C (n,g)
            case AB -> n * k;                                    // dA (n,k)
            case ATB -> g * k;                                   // dW (g,k)
        };
        int lOff = 3;
        int rOff = 5;
        int oOff = 7;
        float[] left = random(lOff + leftLen + 2, rng);
        float[] right = random(rOff + rightLen + 4, rng);
        float[] out0 = random(oOff + outLen + 6, rng);
        float[] expected = out0.clone();
        float[] actual = out0.clone();
        float[] bound = abs(out0);
        run(SCALAR, product, left, lOff, right, rOff, expected, oOff, n, k, g);
        run(vk, product, left, lOff, right, rOff, actual, oOff, n, k, g);
        run(SCALAR, product, abs(left), lOff, abs(right), rOff, bound, oOff, n, k, g);
        String what = product + " n=" + n + " k=" + k + " g=" + g + " on " + vk;
        for (int i = 0; i < expected.length; i++) {
            boolean inside = i >= oOff && i < oOff + outLen;
            if (!inside && Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(out0[i])) {
                throw new AssertionFailedError(what + ": wrote outside its output at index " + i);
            }
            double err = Math.abs((double) actual[i] - expected[i]);
            if (err > TOL * bound[i]) {
                throw new AssertionFailedError(what + ": element " + (i - oOff) + " expected " + expected[i]
                        + " actual " + actual[i] + " (error " + err + " > " + TOL + " x " + bound[i] + ")");
            }
        }
    }

    private static void run(Kernels kn, Product product, float[] l, int lOff, float[] r, int rOff, float[] o, int oOff,
                            int n, int k, int g) {
        switch (product) {
            case ABT -> kn.matmulABt(l, lOff, r, rOff, o, oOff, n, k, g);
            case AB -> kn.matmulAB(l, lOff, r, rOff, o, oOff, n, k, g);
            case ATB -> kn.matmulAtB(l, lOff, r, rOff, o, oOff, n, k, g);
        }
    }

    /**
     * The warm-up twins a fresh process runs first (plain loops) give the vector code's bits: a
     * result never depends on whether the JIT had compiled the vector code yet.
     */
    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void warmupTwinsGiveTheVectorCodesBitsExactly(int bits) throws Exception {
        Kernels vector = vectorKernels(bits);
        Kernels warm = vectorKernels(bits, VectorKernels.WARMUP_PLAIN);
        int[] sizes = sizes(lanes(vector));
        SplittableRandom rng = new SplittableRandom(bits + 11);
        for (int n : sizes) {
            for (int k : sizes) {
                for (int g : sizes) {
                    if ((long) n * k * g > VectorKernels.WARMUP_MAX_WORK) continue;
                    for (Product product : new Product[] {Product.ABT, Product.AB}) {
                        float[] left = random(3 + n * Math.max(k, g) + 2, rng);
                        float[] right = random(5 + g * k + 4, rng);
                        float[] out = random(7 + n * Math.max(k, g) + 6, rng);
                        float[] expected = out.clone();
                        run(vector, product, left, 3, right, 5, expected, 7, n, k, g);
                        run(warm, product, left, 3, right, 5, out, 7, n, k, g);
                        assertThat(out).as("%s n=%d k=%d g=%d on %s", product, n, k, g, vector).containsExactly(expected);
                    }
                }
            }
            for (int off : new int[] {0, 3}) {
                float[] x = random(off + 4 * n + 2, rng);
                for (int i = 0; i < x.length; i++) x[i] *= 12;
                float[] a = x.clone();
                float[] b = x.clone();
                vector.sigmoid(a, off, 4 * n);
                warm.sigmoid(b, off, 4 * n);
                assertThat(b).as("sigmoid n=%d", 4 * n).containsExactly(a);
                vector.tanh(a, off, 4 * n);
                warm.tanh(b, off, 4 * n);
                assertThat(b).as("tanh n=%d", 4 * n).containsExactly(a);
            }
        }
        assertThat(warm.toString()).isEqualTo("vector(" + bits + "-bit, plain loops only)");
        // Big calls too (a JVM without C2); and the default mode's first calls.
        Kernels plain = warm;
        Kernels calls = vectorKernels(bits, VectorKernels.WARMUP_CALLS_MODE);
        int n = 70, k = 65, g = 66;
        assertThat((long) n * k * g).isGreaterThan(VectorKernels.WARMUP_MAX_WORK);
        for (Product product : new Product[] {Product.ABT, Product.AB}) {
            float[] left = random(n * Math.max(k, g), rng);
            float[] right = random(g * k, rng);
            float[] out = random(n * Math.max(k, g), rng);
            float[] expected = out.clone();
            run(vector, product, left, 0, right, 0, expected, 0, n, k, g);
            run(plain, product, left, 0, right, 0, out, 0, n, k, g);
            assertThat(out).as("%s big on %s", product, plain).containsExactly(expected);
            float[] small = expected.clone();
            float[] smallExpected = expected.clone();
            run(vector, product, left, 0, right, 0, smallExpected, 0, 3, 9, 40);
            run(calls, product, left, 0, right, 0, small, 0, 3, 9, 40);
            assertThat(small).as("%s on the default mode's twins", product).containsExactly(smallExpected);
        }
        assertThat(warmupCallsServed(calls)).isEqualTo(2);
        assertThat(warmupCallsServed(vector)).isZero();
    }

    private static int warmupCallsServed(Kernels vk) throws ReflectiveOperationException {
        java.lang.reflect.Method m = vk.getClass().getDeclaredMethod("warmupCallsServed");
        m.setAccessible(true);
        return (int) m.invoke(vk);
    }

    @Test
    void anUnknownWarmupModeIsRefused() {
        // Throws before any width's class is loaded, so this loader stays clean.
        assertThatThrownBy(() -> new VectorKernels(512, "sometimes")).hasMessageContaining("must be calls, plain or off, received: sometimes");
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void biasKernelsMatchScalarBitForBit(int bits) {
        Kernels vk = vectorKernels(bits);
        SplittableRandom rng = new SplittableRandom(bits + 1);
        for (int n : sizes(lanes(vk))) {
            for (int g : sizes(lanes(vk))) {
                float[] bias = random(2 + g + 3, rng);
                float[] c = random(5 + n * g + 1, rng);
                float[] expected = c.clone();
                SCALAR.addRowVector(bias, 2, expected, 5, n, g);
                vk.addRowVector(bias, 2, c, 5, n, g);
                assertThat(c).as("addRowVector n=%d g=%d", n, g).containsExactly(expected);

                float[] dc = random(4 + n * g + 2, rng);
                float[] dBias = random(1 + g + 3, rng);
                float[] expectedBias = dBias.clone();
                SCALAR.addColumnSums(dc, 4, expectedBias, 1, n, g);
                vk.addColumnSums(dc, 4, dBias, 1, n, g);
                assertThat(dBias).as("addColumnSums n=%d g=%d", n, g).containsExactly(expectedBias);
            }
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void activationsMatchScalar(int bits) {
        Kernels vk = vectorKernels(bits);
        SplittableRandom rng = new SplittableRandom(bits + 3);
        for (int len : sizes(lanes(vk))) {
            for (int off : new int[] {0, 1, 5}) {
                float[] x = random(off + len + 2, rng);
                for (int i = 0; i < x.length; i++) x[i] *= 12; // saturated tails too
                for (boolean sig : new boolean[] {true, false}) {
                    float[] a = x.clone();
                    float[] b = x.clone();
                    if (sig) {
                        SCALAR.sigmoid(a, off, len);
                        vk.sigmoid(b, off, len);
                    } else {
                        SCALAR.tanh(a, off, len);
                        vk.tanh(b, off, len);
                    }
                    for (int i = 0; i < a.length; i++) {
                        assertThat((double) b[i]).as("%s len=%d off=%d i=%d", sig ? "sigmoid" : "tanh", len, off, i)
                                .isCloseTo(a[i], org.assertj.core.api.Assertions.within(2e-7));
                    }
                }
            }
        }
    }

    /** The GRU element steps: bit for bit with the scalar twin, row widths around the lane count, state updated in place. */
    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void gruElementStepsMatchScalarBitForBit(int bits) {
        Kernels vk = vectorKernels(bits);
        SplittableRandom rng = new SplittableRandom(bits + 7);
        int lanes = lanes(vk);
        for (int h : new int[] {1, lanes - 1, lanes, lanes + 1, 2 * lanes, 3 * lanes + 5}) {
            if (h < 1) continue;
            for (int rows : new int[] {1, 3, 7}) {
                for (int gOff : new int[] {0, 3 * h}) {
                    int size = gOff + rows * 3 * h + 2;
                    float[] gates = random(size, rng);
                    float[] hh = random(size, rng);
                    float[] xn = random(rows * h, rng);
                    float[] gates2 = gates.clone();
                    float[] xn2 = xn.clone();
                    float x0 = xn[0];
                    SCALAR.gruCandidate(gates, hh, gOff, xn, rows, h);
                    vk.gruCandidate(gates2, hh, gOff, xn2, rows, h);
                    assertThat(xn2).as("candidate h=%d rows=%d", h, rows).containsExactly(xn);
                    assertThat(xn[0]).isEqualTo(2f * (x0 + gates[gOff] * hh[gOff + 2 * h])); // the twin itself
                    float[] sig = abs(random(rows * h, rng));
                    float[] state = random(rows * h + 4, rng);
                    float[] state2 = state.clone();
                    int outOff = 2;
                    float[] hPrev = java.util.Arrays.copyOfRange(state, outOff, outOff + rows * h);
                    // in place, as inference does: out and hPrev are the same state rows
                    SCALAR.gruUpdate(gates, gOff, sig, hPrev, state, outOff, rows, h);
                    float[] hPrev2 = java.util.Arrays.copyOfRange(state2, outOff, outOff + rows * h);
                    vk.gruUpdate(gates2, gOff, sig, hPrev2, hPrev2, 0, rows, h);
                    assertThat(hPrev2).as("update h=%d rows=%d", h, rows).containsExactly(java.util.Arrays.copyOfRange(state, outOff, outOff + rows * h));
                    assertThat(gates2).as("n block h=%d rows=%d", h, rows).containsExactly(gates);
                    float z = gates[gOff + h];
                    float n = 2f * sig[0] - 1f;
                    assertThat(state[outOff]).isEqualTo((1f - z) * n + z * hPrev[0]);
                }
            }
        }
    }

    /** The LSTM element steps: bit for bit with the scalar twin, the cell updated in place as inference does. */
    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void lstmElementStepsMatchScalarBitForBit(int bits) {
        Kernels vk = vectorKernels(bits);
        SplittableRandom rng = new SplittableRandom(bits + 11);
        int lanes = lanes(vk);
        for (int h : new int[] {1, lanes - 1, lanes, lanes + 1, 2 * lanes, 3 * lanes + 5}) {
            if (h < 1) continue;
            for (int rows : new int[] {1, 3, 7}) {
                int gOff = 4 * h;
                int size = gOff + rows * 4 * h + 2;
                float[] gates = random(size, rng);
                float[] hh = random(size, rng);
                float[] gates2 = gates.clone();
                float first = gates[gOff + 2 * h];
                SCALAR.lstmPreActivation(gates, hh, gOff, rows, h);
                vk.lstmPreActivation(gates2, hh, gOff, rows, h);
                assertThat(gates2).as("pre-activation h=%d rows=%d", h, rows).containsExactly(gates);
                assertThat(gates[gOff + 2 * h]).isEqualTo((first + hh[gOff + 2 * h]) * 2f); // the g block is doubled
                int cOff = 3;
                float[] cell = random(cOff + rows * h, rng);
                float[] copy = new float[cell.length];
                float[] copy2 = new float[cell.length];
                float[] cPrev = java.util.Arrays.copyOfRange(cell, cOff, cOff + rows * h);
                float[] cPrev2 = cPrev.clone();
                SCALAR.lstmCell(gates, gOff, cPrev, cell, copy, cOff, rows, h);
                vk.lstmCell(gates2, gOff, cPrev2, cPrev2, copy2, 0, rows, h); // in place
                assertThat(cPrev2).as("cell h=%d rows=%d", h, rows).containsExactly(java.util.Arrays.copyOfRange(cell, cOff, cOff + rows * h));
                assertThat(java.util.Arrays.copyOfRange(copy2, 0, rows * h)).containsExactly(java.util.Arrays.copyOfRange(copy, cOff, cOff + rows * h));
                assertThat(gates2).as("g block h=%d rows=%d", h, rows).containsExactly(gates);
                float g = gates[gOff + 2 * h];
                assertThat(cell[cOff]).isEqualTo(gates[gOff + h] * cPrev[0] + gates[gOff] * g);
                float[] out = new float[cell.length];
                float[] out2 = new float[cell.length];
                SCALAR.lstmOutput(gates, gOff, copy, out, cOff, rows, h);
                vk.lstmOutput(gates, gOff, copy, out2, cOff, rows, h);
                assertThat(out2).as("output h=%d rows=%d", h, rows).containsExactly(out);
                assertThat(out[cOff]).isEqualTo(gates[gOff + 3 * h] * copy[cOff]);
            }
        }
    }

    /** A value's activation must not depend on its position (vector body or tail): batches would change predictions. */
    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void activationsDoNotDependOnPosition(int bits) {
        Kernels vk = vectorKernels(bits);
        float[] x = random(67, new SplittableRandom(bits));
        for (int shift = 1; shift < 20; shift++) {
            float[] a = x.clone();
            float[] b = new float[x.length + shift];
            System.arraycopy(x, 0, b, shift, x.length);
            vk.sigmoid(a, 0, a.length);
            vk.sigmoid(b, shift, x.length);
            assertThat(java.util.Arrays.copyOfRange(b, shift, b.length)).as("sigmoid shift %d", shift).containsExactly(a);
            a = x.clone();
            System.arraycopy(x, 0, b, shift, x.length);
            vk.tanh(a, 0, a.length);
            vk.tanh(b, shift, x.length);
            assertThat(java.util.Arrays.copyOfRange(b, shift, b.length)).as("tanh shift %d", shift).containsExactly(a);
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void adamUpdateMatchesScalarBitForBit(int bits) {
        Kernels vk = vectorKernels(bits);
        SplittableRandom rng = new SplittableRandom(bits + 2);
        int lanes = lanes(vk);
        for (boolean keras : new boolean[] {true, false}) {
            for (int len : sizes(lanes)) {
                for (int from : new int[] {0, 1, 3}) {
                    int size = from + len + 2;
                    float[] w = random(size, rng);
                    float[] g = random(size, rng);
                    g[Math.min(from, size - 1)] = 0f;            // a row with no gradient still decays
                    float[] m = random(size, rng);
                    float[] v = abs(random(size, rng));
                    float[] w2 = w.clone();
                    float[] m2 = m.clone();
                    float[] v2 = v.clone();
                    // Step 3 of Adam with the Keras / PyTorch defaults.
                    float alpha = (float) (1e-3 * Math.sqrt(1 - Math.pow(0.999, 3)) / (1 - Math.pow(0.9, 3)));
                    float inv = (float) (1 / Math.sqrt(1 - Math.pow(0.999, 3)));
                    float eps = keras ? 1e-7f : 1e-8f;
                    SCALAR.adamUpdate(w, g, m, v, from, from + len, 0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999),
                            alpha, eps, keras, inv);
                    vk.adamUpdate(w2, g, m2, v2, from, from + len, 0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999),
                            alpha, eps, keras, inv);
                    String what = (keras ? "keras" : "torch") + " len=" + len + " from=" + from;
                    assertThat(w2).as("w " + what).containsExactly(w);
                    assertThat(m2).as("m " + what).containsExactly(m);
                    assertThat(v2).as("v " + what).containsExactly(v);
                }
            }
        }
    }

    /**
     * A prepared weight gives every row, one row alone included, the bits matmulABt gives the
     * same row inside a batch of two or more: stepping one stream matches a batch's forward.
     */
    @Test
    void preparedMatmulABtMatchesTheMultiRowProductBitForBit() {
        java.util.Random rnd = new java.util.Random(7);
        List<Kernels> all = new java.util.ArrayList<>(List.of(SCALAR));
        for (int bits : new int[] {128, 256, 512}) {
            all.add(vectorKernels(bits));
            all.add(vectorKernels(bits, VectorKernels.WARMUP_PLAIN));
        }
        for (Kernels kn : all) {
            for (int k : new int[] {1, 3, 16, 17, 64}) {
                for (int g : new int[] {1, 4, 15, 17, 33, 86}) {
                    float[] w = new float[3 + g * k];
                    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
                    float[] prepared = kn.prepareABt(w, 3, k, g);
                    int n = 3;
                    float[] a = new float[n * k];
                    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
                    float[] batch = new float[n * g];
                    kn.matmulABt(a, 0, w, 3, batch, 0, n, k, g);
                    float[] rows = new float[n * g];
                    kn.matmulABtPrepared(a, 0, w, 3, prepared, rows, 0, n, k, g);
                    assertThat(rows).as("%s n=%d k=%d g=%d", kn, n, k, g).containsExactly(batch);
                    for (int r = 0; r < n; r++) {
                        float[] one = new float[g];
                        kn.matmulABtPrepared(a, r * k, w, 3, prepared, one, 0, 1, k, g);
                        assertThat(one).as("%s row %d alone, k=%d g=%d", kn, r, k, g)
                                .containsExactly(java.util.Arrays.copyOfRange(batch, r * g, (r + 1) * g));
                    }
                }
            }
        }
    }

    @Test
    void matmulAccumulatesIntoItsOutput() {
        for (Kernels kn : List.of(SCALAR, vectorKernels(128), vectorKernels(512))) {
            int n = 5;
            int k = 20;
            int g = 33;
            float[] a = new float[n * k];
            float[] w = new float[g * k];
            java.util.Arrays.fill(a, 1f);
            java.util.Arrays.fill(w, 0.5f);
            float[] c = new float[n * g];
            java.util.Arrays.fill(c, 2f);
            kn.matmulABt(a, 0, w, 0, c, 0, n, k, g);
            for (float x : c) assertThat(x).as(kn.toString()).isEqualTo(2f + k * 0.5f);
        }
    }

    @Test
    void vectorWidthIsChecked() {
        // Throws before any width's class is loaded, so this loader stays clean.
        assertThatThrownBy(() -> new VectorKernels(1024)).hasMessageContaining("must be 128, 256 or 512, received: 1024");
    }

    @Test
    void providerFallsBackToScalarWhenSimdIsDisabled() {
        KernelProvider.Choice off = KernelProvider.choose(false);
        assertThat(off.kernels()).isInstanceOf(ScalarKernels.class);
        assertThat(off.describe()).isEqualTo("scalar (jrnn.simd=false)");
    }

    @Test
    void providerPicksVectorKernelsWhenTheModuleIsPresent() {
        // Surefire runs with --add-modules jdk.incubator.vector (pom.xml argLine).
        KernelProvider.Choice on = KernelProvider.choose(true);
        assertThat(on.kernels()).isInstanceOf(VectorKernels.class);
        assertThat(on.describe()).matches("vector\\((128|256|512)-bit\\)");
        // The process-wide choice follows -Djrnn.simd (.ci/run runs the whole suite both ways).
        boolean simdOff = "false".equals(System.getProperty("jrnn.simd"));
        assertThat(Kernels.describe()).startsWith(simdOff ? "scalar (jrnn.simd=false)" : "vector(");
        assertThat(Kernels.get()).isInstanceOf(simdOff ? ScalarKernels.class : VectorKernels.class);
    }

    /** Without --add-modules the provider must pick scalar without linking VectorKernels. */
    @Test
    void plainJava17WithoutTheModuleRunsScalar() throws Exception {
        assertThat(probe()).isEqualTo("scalar (jdk.incubator.vector absent; run java with --add-modules jdk.incubator.vector) 5.0");
    }

    @Test
    void widthCanBeForcedWithASystemProperty() throws Exception {
        assertThat(probe("--add-modules", "jdk.incubator.vector", "-Djrnn.vectorBits=256"))
                .endsWith("vector(256-bit) 5.0");
        assertThat(probe("--add-modules", "jdk.incubator.vector", "-Djrnn.vectorBits=100"))
                .endsWith("scalar (vector kernels failed to load: java.lang.IllegalArgumentException: "
                        + "jrnn.vectorBits must be 128, 256 or 512, received: 100) 5.0");
    }

    /** Runs {@link Probe} in a child JVM with the given options; its output, trimmed. */
    private static String probe(String... jvmOptions) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /** Run in a child JVM by {@link #plainJava17WithoutTheModuleRunsScalar}. */
    static final class Probe {
        public static void main(String[] args) {
            float[] c = new float[1];
            Kernels.get().matmulABt(new float[] {1f, 2f}, 0, new float[] {1f, 2f}, 0, c, 0, 1, 2, 1);
            System.out.println(Kernels.describe() + " " + c[0]);
        }
    }

    private static float[] random(int size, SplittableRandom rng) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    private static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
        return y;
    }
}
