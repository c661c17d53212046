package org.jrnn.testing;

import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.jrnn.nn.Gradients;
import org.jrnn.nn.Layer;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Param;
import org.jrnn.nn.PackedLayout;

/**
 * Central-difference gradient checks, (f(x+ε) − f(x−ε)) / 2ε, for any layer or model
 * (torch.autograd.gradcheck in spirit). The network computes in float32, so ε is large
 * (1e-2) and the tolerance is normwise 2e-2: float rounding of f is ~1e-7, giving ~1e-5
 * noise in the quotient, and the O(ε²) truncation term stays below 1e-3 on these tiny nets.
 * A wrong gradient (sign, missing term, wrong row) is off by O(1) and fails clearly.
 */
public final class GradientCheck {
    public static final double EPS = 1e-2;
    public static final double TOLERANCE = 2e-2;

    private GradientCheck() {}

    /** Checks one tensor: analytic vs numeric for every entry; f must be recomputed per call. */
    public static void check(String what, float[] values, float[] analytic, DoubleSupplier f) {
        double maxErr = 0, maxRef = 0;
        int worst = -1;
        double worstNum = 0;
        for (int i = 0; i < values.length; i++) {
            float orig = values[i];
            float plus = (float) (orig + EPS);
            float minus = (float) (orig - EPS);
            values[i] = plus;
            double fp = f.getAsDouble();
            values[i] = minus;
            double fm = f.getAsDouble();
            values[i] = orig;
            double numeric = (fp - fm) / ((double) plus - (double) minus);
            double err = Math.abs(numeric - analytic[i]);
            maxRef = Math.max(maxRef, Math.max(Math.abs(numeric), Math.abs(analytic[i])));
            if (err > maxErr) {
                maxErr = err;
                worst = i;
                worstNum = numeric;
            }
        }
        double rel = maxErr / Math.max(maxRef, 1e-3);
        if (rel > TOLERANCE) {
            fail("%s: gradient check failed, normwise relative error %.3g (max |ref| %.3g) worst at [%d]: numeric %.6g vs analytic %.6g",
                    what, rel, maxRef, worst, worstNum, analytic[worst]);
        }
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
