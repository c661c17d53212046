package org.jrnn.data;

/**
 * Token-id sequences with 0-based labels: what the model trains on. Sequences have their
 * natural lengths (no padding); batching decides padding or packing.
 */
public record EncodedDataset(int[][] tokens, int[] labels, int numClasses) {

    public EncodedDataset {
        if (tokens.length != labels.length) {
            throw new IllegalArgumentException("tokens: " + tokens.length + " rows, labels: " + labels.length);
        }
        for (int y : labels) {
            if (y < 0 || y >= numClasses) throw new IllegalArgumentException("label " + y + " outside [0, " + numClasses + ")");
        }
    }

    public int size() {
        return tokens.length;
    }

    public long realTokens() {
        long n = 0;
        for (int[] t : tokens) n += t.length;
        return n;
    }

    /** The first n rows (or all when n ≥ size). */
    public EncodedDataset head(int n) {
        if (n >= size()) return this;
        return new EncodedDataset(java.util.Arrays.copyOf(tokens, n), java.util.Arrays.copyOf(labels, n), numClasses);
    }

    /** Rows at the given indices, in that order. */
    public EncodedDataset select(int[] idx) {
        int[][] t = new int[idx.length][];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            t[i] = tokens[idx[i]];
            y[i] = labels[idx[i]];
        }
        return new EncodedDataset(t, y, numClasses);
    }
}
