package org.jrnn.testing;

import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.jrnn.nn.Gradients;
import org.jrnn.nn.Layer;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Param;
import org.jrnn.nn.PackedLayout;

/**
 * Finite-difference gradient checks for any layer or model (torch.autograd.gradcheck in
 * spirit), tight enough that a 0.5 % error in one gradient contribution fails.
 *
 * <p>The network computes in float32, so f carries rounding noise of ~1e-7 relative and a small
 * step drowns the quotient in it, while a large step lets the O(ε²) truncation of a plain central
 * difference grow (measured over every check in the suite, plain central differences at ε = 1e-2
 * were off by up to 2.9e-4 normwise, and no single ε did better). So each entry gets the
 * five-point stencil, Richardson's extrapolation of two central differences:
 * D = (4·C(ε) − C(2ε)) / 3 with C(ε) = (f(x+ε) − f(x−ε)) / 2ε, whose truncation is O(ε⁴); that
 * allows a step of ε = 4e-2 (f at x ± 4e-2 and x ± 8e-2), where the noise is 3× below that of
 * a plain central difference at 1e-2.
 * f is accumulated in double by the callers.
 *
 * <p>Error: per tensor, normwise, max|numeric − analytic| / max(max|ref|, 1e-3), ref = both.
 * Measured worst over every per-layer check of the suite (December 2026): 1.1e-4 with the vector
 * kernels, at a Bidirectional LSTM merge=mul weight_hh_reverse whose largest entry is 6e-3, where
 * float noise is the limit (the scalar kernels' double activations: 9.7e-5); by layer LSTM 7e-5,
 * GRU 3e-5, SimpleRNN 1e-5, Dense and the loss 1e-6. {@link #TOLERANCE} 1e-3 leaves 9× headroom
 * and sits 5× below the 5e-3 that a 0.5 % error of a whole tensor makes; mutations scaling one
 * backward contribution by 1.005 in LSTM (output gate), GRU (dh_{t−1} through z), SimpleRNN (the
 * recurrent path), Bidirectional (mean merge, backward half), Dense (bias) and pooling (mean: one
 * step; max) each fail checks here, the clearest at 2.9e-3 (LSTM), 3.6e-3 (GRU), 9.8e-3 (SimpleRNN),
 * 4.9e-3 (mean merge), 5.0e-3 (Dense, pooling). Set {@code -Djrnn.gradcheck.report=true} to
 * print every tensor's error and measure again.
 *
 * <p>A whole model under its loss is worse conditioned (gradients of 1e-3 next to f ≈ 1, and
 * strongly curved bias directions: 1.8e-3 at ε = 2e-2, the best step for it): it takes its own
 * step and tolerance, see {@link #check(String, float[], float[], DoubleSupplier, double, double)}.
 */
public final class GradientCheck {
    /** Step ε of the five-point stencil: f is evaluated at x ± ε and x ± 2ε. */
    public static final double EPS = 4e-2;
    /** Normwise relative error allowed per tensor (measured worst 1.1e-4, see the class comment). */
    public static final double TOLERANCE = 1e-3;
    private static final boolean REPORT = Boolean.getBoolean("jrnn.gradcheck.report");

    private GradientCheck() {}

    /** Checks one tensor: analytic vs numeric for every entry; f must be recomputed per call. */
    public static void check(String what, float[] values, float[] analytic, DoubleSupplier f) {
        check(what, values, analytic, f, EPS, TOLERANCE);
    }

    /**
     * {@link #check(String, float[], float[], DoubleSupplier)} with another step and tolerance,
     * for a caller whose f is worse conditioned; state the measured error next to the call.
     */
    public static void check(String what, float[] values, float[] analytic, DoubleSupplier f, double eps, double tolerance) {
        Error e = error(values, analytic, f, eps);
        if (REPORT) System.out.printf(Locale.ROOT, "gradcheck %-70s %.3e%n", what, e.relative());
        if (e.relative() > tolerance) {
            fail("%s: gradient check failed, normwise relative error %.3g > %.3g (max |ref| %.3g) worst at [%d]: numeric %.6g vs analytic %.6g",
                    what, e.relative(), tolerance, e.maxRef(), e.worst(), e.numeric(), e.analytic());
        }
    }

    /** A tensor's normwise error and its worst entry. */
    public record Error(double relative, double maxRef, int worst, double numeric, double analytic) {}

    /**
     * max|numeric − analytic| / max(max|numeric|, max|analytic|, 1e-3) over the tensor, the
     * numeric gradient from the five-point stencil with step eps.
     */
    public static Error error(float[] values, float[] analytic, DoubleSupplier f, double eps) {
        double maxErr = 0, maxRef = 0;
        int worst = 0;
        double worstNum = 0;
        for (int i = 0; i < values.length; i++) {
            double numeric = (4 * central(values, i, f, eps) - central(values, i, f, 2 * eps)) / 3;
            double err = Math.abs(numeric - analytic[i]);
            maxRef = Math.max(maxRef, Math.max(Math.abs(numeric), Math.abs(analytic[i])));
            if (err > maxErr || i == 0) {
                maxErr = err;
                worst = i;
                worstNum = numeric;
            }
        }
        return new Error(maxErr / Math.max(maxRef, 1e-3), maxRef, worst, worstNum, values.length == 0 ? 0 : analytic[worst]);
    }

    /** (f(x+ε) − f(x−ε)) / (actual span), entry i perturbed in float and restored. */
    private static double central(float[] values, int i, DoubleSupplier f, double eps) {
        float orig = values[i];
        float plus = (float) (orig + eps);
        float minus = (float) (orig - eps);
        values[i] = plus;
        double fp = f.getAsDouble();
        values[i] = minus;
        double fm = f.getAsDouble();
        values[i] = orig;
        return (fp - fm) / ((double) plus - (double) minus);
    }

    /**
     * Checks dX and every parameter gradient of a layer under f = Σ y ⊙ R for a fixed random
     * R, so every output entry matters.
     */
    public static void checkLayer(Layer layer, Matrix x, long seed) {
        Matrix y0 = layer.forward(x, false, null).y();
        float[] r = randomArray(y0.data.length, new SplittableRandom(seed));
        DoubleSupplier f = () -> {
            Matrix y = layer.forward(x, false, null).y();
            double s = 0;
            for (int i = 0; i < y.data.length; i++) s += (double) y.data[i] * r[i];
            return s;
        };
        for (Param p : layer.params()) p.zeroGrad();
        Layer.Forward fw = layer.forward(x, false, null);
        Matrix dx = layer.backward(fw.cache(), new Matrix(r.clone(), fw.y().rows, fw.y().cols, fw.y().layout), Gradients.PARAMS);
        check(layer + " dX", x.data, dx.data, f);
        for (Param p : layer.params()) {
            check(layer + " " + p.name(), p.data, p.grad.clone(), f);
        }
    }

    /**
     * Checks dX of a layer that draws random numbers in training (dropout) under f = Σ y ⊙ R: each
     * evaluation runs forward with a fresh generator seeded {@code maskSeed}, so the mask is fixed and
     * f is smooth in x. Returns dX, so the caller can check that the mask dropped something.
     */
    public static Matrix checkTrainingMode(Layer layer, Matrix x, long maskSeed, long seed) {
        float[] r = randomArray(x.data.length, new SplittableRandom(seed));
        DoubleSupplier f = () -> {
            Matrix y = layer.forward(x, true, new SplittableRandom(maskSeed)).y();
            double s = 0;
            for (int i = 0; i < y.data.length; i++) s += (double) y.data[i] * r[i];
            return s;
        };
        Layer.Forward fw = layer.forward(x, true, new SplittableRandom(maskSeed));
        Matrix dx = layer.backward(fw.cache(), new Matrix(r.clone(), x.rows, x.cols, x.layout), Gradients.PARAMS);
        check(layer + " dX", x.data, dx.data, f);
        return dx;
    }

    public static float[] randomArray(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextDouble() * 2 - 1);
        return a;
    }

    /** A packed input (N, d) for the given lengths, filled with U(−1, 1). */
    public static Matrix randomSequence(int[] lengths, int d, long seed) {
        PackedLayout lay = PackedLayout.ofLengths(lengths);
        return new Matrix(randomArray(lay.rows * d, new SplittableRandom(seed)), lay.rows, d, lay);
    }

    /** Sum over a list of params' grads, for tests that compare gradients. */
    public static float[] concatGrads(List<Param> ps) {
        int n = 0;
        for (Param p : ps) n += p.size();
        float[] all = new float[n];
        int o = 0;
        for (Param p : ps) {
            System.arraycopy(p.grad, 0, all, o, p.size());
            o += p.size();
        }
        return all;
    }

    /** All parameter values in model order. */
    public static float[] concatParams(List<Param> ps) {
        int n = 0;
        for (Param p : ps) n += p.size();
        float[] all = new float[n];
        int o = 0;
        for (Param p : ps) {
            System.arraycopy(p.data, 0, all, o, p.size());
            o += p.size();
        }
        return all;
    }
}
