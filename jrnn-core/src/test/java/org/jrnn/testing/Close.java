package org.jrnn.testing;

// Tensor comparison for parity tests, in the spirit of llm.c test_gpt2.c check_tensor: one
// normwise relative error per tensor, and on failure the worst element and both values.
// Not an elementwise tolerance: tiny entries of a tensor are judged against its largest one.

import java.util.Arrays;
import org.opentest4j.AssertionFailedError;

/** Normwise comparison of a computed tensor against a float64 reference. */
public final class Close {

    private Close() {}

    /**
     * Fails unless {@code max|a - e| / max(max|e|, 1e-12) <= tol}. The message names
     * {@code what}, the relative and max absolute error, the flat index of the worst element
     * and both values there. Lengths must match; a non-finite actual value always fails.
     */
    public static void assertClose(String what, double[] expected, float[] actual, double tol) {
        check(what, null, expected, widen(actual), tol);
    }

    /** As above; the message also gives the worst element's index in {@code shape}. */
    public static void assertClose(String what, int[] shape, double[] expected, float[] actual, double tol) {
        check(what, shape, expected, widen(actual), tol);
    }

    /** As {@link #assertClose(String, double[], float[], double)}, for double results. */
    public static void assertClose(String what, double[] expected, double[] actual, double tol) {
        check(what, null, expected, actual, tol);
    }

    public static void assertClose(String what, int[] shape, double[] expected, double[] actual, double tol) {
        check(what, shape, expected, actual, tol);
    }

    private static void check(String what, int[] shape, double[] expected, double[] actual, double tol) {
        if (expected.length != actual.length) {
            throw new AssertionFailedError(what + ": expected " + expected.length + " values, got " + actual.length
                    + (shape == null ? "" : " (shape " + Arrays.toString(shape) + ")"));
        }
        double maxAbsExpected = 0;
        double maxDiff = -1;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            if (!Double.isFinite(actual[i])) {
                throw new AssertionFailedError(what + ": non-finite value at index " + where(i, shape)
                        + ": expected " + expected[i] + ", actual " + actual[i]);
            }
            maxAbsExpected = Math.max(maxAbsExpected, Math.abs(expected[i]));
            double d = Math.abs(actual[i] - expected[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
        }
        if (worst < 0) {
            return; // both empty
        }
        double rel = maxDiff / Math.max(maxAbsExpected, 1e-12);
        if (!(rel <= tol)) {
            throw new AssertionFailedError(String.format(
                    "%s: relative error %.3e > tol %.1e; max abs diff %.3e at index %s of %d: expected %s,"
                            + " actual %s (max|expected| %.3e)",
                    what, rel, tol, maxDiff, where(worst, shape), expected.length, expected[worst], actual[worst],
                    maxAbsExpected));
        }
    }

    private static String where(int flat, int[] shape) {
        return shape == null ? Integer.toString(flat) : flat + " " + index(flat, shape);
    }

    private static double[] widen(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Scalar form, e.g. for the loss: |a - e| / max(|e|, 1e-12) <= tol. */
    public static void assertClose(String what, double expected, double actual, double tol) {
        assertClose(what, new double[] {expected}, new double[] {actual}, tol);
    }

    /** {@code max|a - e| / max(max|e|, 1e-12)}; lengths must match. */
    public static double relativeError(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException(
                    "lengths differ: " + expected.length + " vs " + actual.length);
        }
        double maxAbsExpected = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbsExpected = Math.max(maxAbsExpected, Math.abs(expected[i]));
            double d = Math.abs(actual[i] - expected[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            maxDiff = Math.max(maxDiff, d);
        }
        return maxDiff / Math.max(maxAbsExpected, 1e-12);
    }

    /** Row-major multi-index of a flat index, for messages: {@code [1, 3, 0]}. */
    public static String index(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }
}
