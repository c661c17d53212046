package org.jrnn.nn;

/**
 * The recurrent state of a batch of sequences, one entry per layer of a {@link Sequential}: for
 * a recurrent layer h (B, H) and, for LSTM, c (B, H); nothing for the other layers. Rows are in
 * the caller's order (the order of the token rows given to {@link Sequential#batch}), not the
 * packed batch's sorted order. Made by {@link Sequential#finalStates}, read by
 * {@link Sequential#forward(SequenceBatch, boolean, java.util.random.RandomGenerator, RecurrentStates)}:
 * what truncated BPTT carries from one window of a text to the next. Not a layer's cache: it
 * holds values only, so no gradient can reach the state it was taken from.
 */
public final class RecurrentStates {
    private final int batch;
    private final float[][] h; // per layer: (B, H), or null for a layer without a state
    private final float[][] c; // per layer: (B, H) for LSTM, else null

    RecurrentStates(int batch, float[][] h, float[][] c) {
        if (h.length != c.length) throw new IllegalArgumentException(h.length + " h entries but " + c.length + " c entries");
        if (batch < 1) throw new IllegalArgumentException("states of " + batch + " sequences: a batch has at least one");
        this.batch = batch;
        this.h = h;
        this.c = c;
    }

    /** B: sequences. */
    public int batch() {
        return batch;
    }

    /** Entries: one per layer of the model. */
    public int layers() {
        return h.length;
    }

    /** Layer {@code layer}'s h (B, H) in the caller's order, or null when it has no state. Not a copy. */
    public float[] h(int layer) {
        return h[layer];
    }

    /** Layer {@code layer}'s cell state c (B, H) (LSTM), or null. Not a copy. */
    public float[] c(int layer) {
        return c[layer];
    }

    /** The states of rows {@code rows} (indices into this batch), in that order. */
    public RecurrentStates select(int[] rows) {
        for (int r : rows) {
            if (r < 0 || r >= batch) throw new IllegalArgumentException("row " + r + " outside [0, " + batch + ")");
        }
        float[][] hs = new float[h.length][];
        float[][] cs = new float[c.length][];
        for (int l = 0; l < h.length; l++) {
            hs[l] = pick(h[l], rows);
            cs[l] = pick(c[l], rows);
        }
        return new RecurrentStates(rows.length, hs, cs);
    }

    /** The states of the consecutive rows [from, to). */
    public RecurrentStates rows(int from, int to) {
        if (from < 0 || to > batch || from > to) throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a batch of " + batch);
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        return select(idx);
    }

    /** The rows of {@code parts} one after the other (a batch's shards put back together). */
    public static RecurrentStates concat(RecurrentStates... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("nothing to concatenate");
        int layers = parts[0].layers();
        int batch = 0;
        for (RecurrentStates p : parts) {
            if (p.layers() != layers) throw new IllegalArgumentException("states of " + p.layers() + " and " + layers + " layers");
            batch += p.batch;
        }
        float[][] hs = new float[layers][];
        float[][] cs = new float[layers][];
        for (int l = 0; l < layers; l++) {
            hs[l] = join(parts, l, false, batch);
            cs[l] = join(parts, l, true, batch);
        }
        return new RecurrentStates(batch, hs, cs);
    }

    private static float[] join(RecurrentStates[] parts, int layer, boolean cell, int batch) {
        float[] first = cell ? parts[0].c[layer] : parts[0].h[layer];
        if (first == null) return null;
        int width = first.length / parts[0].batch;
        float[] out = new float[batch * width];
        int o = 0;
        for (RecurrentStates p : parts) {
            float[] a = cell ? p.c[layer] : p.h[layer];
            if (a == null || a.length != p.batch * width) throw new IllegalArgumentException("layer " + layer + ": states of different widths");
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    private float[] pick(float[] a, int[] rows) {
        if (a == null) return null;
        int width = a.length / batch;
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) System.arraycopy(a, rows[i] * width, out, i * width, width);
        return out;
    }
}
