package org.jrnn.train;

import java.util.Arrays;
import java.util.Comparator;

/**
 * How an epoch is cut into batches. Plain: consecutive slices of the shuffled order (the
 * anchor's order). Bucketed, like Keras' {@code bucket_by_sequence_length}: the shuffled
 * order is cut into windows of {@link #WINDOW_BATCHES} batches, each window is sorted by
 * length and sliced, and the batches are shuffled again — so a batch holds sequences of
 * similar length and runs fewer, fuller time steps.
 */
public final class Batching {
    static final int WINDOW_BATCHES = 50;

    private Batching() {}

    public static int[][] plan(int[] order, int[][] tokens, int batchSize, boolean bucket, long seed) {
        int n = order.length;
        int count = (n + batchSize - 1) / batchSize;
        int[][] batches = new int[count][];
        if (!bucket) {
            for (int b = 0; b < count; b++) batches[b] = Arrays.copyOfRange(order, b * batchSize, Math.min(n, (b + 1) * batchSize));
            return batches;
        }
        int window = WINDOW_BATCHES * batchSize;
        int b = 0;
        for (int from = 0; from < n; from += window) {
            int to = Math.min(n, from + window);
            Integer[] w = new Integer[to - from];
            for (int i = from; i < to; i++) w[i - from] = order[i];
            Arrays.sort(w, Comparator.comparingInt(i -> tokens[i].length)); // stable: ties keep shuffled order
            for (int s = 0; s < w.length; s += batchSize) {
                int e = Math.min(w.length, s + batchSize);
                int[] batch = new int[e - s];
                for (int i = s; i < e; i++) batch[i - s] = w[i];
                batches[b++] = batch;
            }
        }
        batches = Arrays.copyOf(batches, b);
        int[] perm = Shuffle.permutation(b, seed ^ 0x5DEECE66DL);
        int[][] shuffled = new int[b][];
        for (int i = 0; i < b; i++) shuffled[i] = batches[perm[i]];
        return shuffled;
    }
}
