package org.jrnn.train;

/**
 * The training order of the PyTorch anchor (shared/anchors/pytorch/README.md, "Training
 * order"): a Fisher–Yates shuffle driven by SplitMix64, so jrnn and the anchor see the same
 * batches for the same seed.
 */
public final class Shuffle {
    private Shuffle() {}

    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        long state = seed;
        for (int i = n - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            int j = (int) Long.remainderUnsigned(z, i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
}
