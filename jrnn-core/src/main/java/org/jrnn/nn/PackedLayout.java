package org.jrnn.nn;

import java.util.Arrays;

/**
 * Where the real tokens of a batch of variable-length sequences live, in the order of
 * PyTorch's {@code PackedSequence}: sequences sorted by length (longest first), then time-major,
 * step t holding the first {@code batchSizes[t]} sequences. Padding has no rows at all, so
 * every layer's cost is proportional to the real tokens.
 *
 * <p>Row of sequence b (sorted position) at step t: {@code offsets[t] + b}, valid when
 * {@code b < batchSizes[t]}.
 */
public final class PackedLayout {
    /** B: number of sequences. */
    public final int batch;
    /** T: the longest length. */
    public final int steps;
    /** N: total real tokens (rows). */
    public final int rows;
    /** (B) lengths in sorted order, non-increasing, each ≥ 1. */
    public final int[] lengths;
    /** (T) sequences still running at step t. */
    public final int[] batchSizes;
    /** (T+1) first row of step t; offsets[T] = N. */
    public final int[] offsets;
    /** (B) sorted position → index in the caller's original order. */
    public final int[] sortedToOriginal;

    private PackedLayout(int[] sortedLengths, int[] sortedToOriginal) {
        this.batch = sortedLengths.length;
        this.lengths = sortedLengths;
        this.sortedToOriginal = sortedToOriginal;
        this.steps = batch == 0 ? 0 : sortedLengths[0];
        this.batchSizes = new int[steps];
        this.offsets = new int[steps + 1];
        int b = batch;
        for (int t = 0; t < steps; t++) {
            while (b > 0 && sortedLengths[b - 1] <= t) b--;
            batchSizes[t] = b;
            offsets[t + 1] = offsets[t] + b;
        }
        this.rows = offsets[steps];
    }

    /**
     * Sorts lengths in decreasing order (stable: equal lengths keep their order, like
     * {@code pack_padded_sequence(enforce_sorted=False)}) and builds the layout.
     * A length of 0 is treated as 1: an empty text is fed as one padding token.
     */
    public static PackedLayout ofLengths(int[] lengths) {
        int n = lengths.length;
        int max = 1;
        for (int i = 0; i < n; i++) {
            if (lengths[i] < 0) throw new IllegalArgumentException("negative length at " + i + ": " + lengths[i]);
            max = Math.max(max, lengths[i]);
        }
        // Counting sort, longest first, ties in input order. Not Arrays.sort with a comparator:
        // that boxes every index, and TimSort, shared by every comparator sort in the JVM, was
        // recompiled and deoptimised again and again by C2 while inference ran (PrintCompilation),
        // keeping a compiler thread on one of the two cores.
        int[] start = new int[max + 1]; // start[max − len + 1] counts, then prefix sums
        for (int len : lengths) start[max - Math.max(len, 1) + 1]++;
        for (int k = 1; k < start.length; k++) start[k] += start[k - 1];
        int[] sorted = new int[n];
        int[] map = new int[n];
        for (int i = 0; i < n; i++) {
            int len = Math.max(lengths[i], 1);
            int pos = start[max - len]++;
            map[pos] = i;
            sorted[pos] = len;
        }
        return new PackedLayout(sorted, map);
    }

    /** Every sequence runs the same number of steps (the unmasked, padded case). */
    public static PackedLayout uniform(int batch, int steps) {
        int[] lengths = new int[batch];
        Arrays.fill(lengths, Math.max(steps, 1));
        int[] map = new int[batch];
        for (int i = 0; i < batch; i++) map[i] = i;
        return new PackedLayout(lengths, map);
    }

    /** Row holding sequence b (sorted position) at step t. */
    public int row(int t, int b) {
        return offsets[t] + b;
    }

    /** Row of the last real step of sequence b (sorted position). */
    public int lastRow(int b) {
        return offsets[lengths[b] - 1] + b;
    }

    @Override
    public String toString() {
        return "PackedLayout(B=" + batch + ", T=" + steps + ", N=" + rows + ")";
    }
}
