package org.jrnn.nn;

/**
 * A batch of token-id sequences ready for the model: the packed layout and the ids of its
 * rows. With masking (Embedding maskZero) each sequence keeps its own length; without it
 * every sequence is padded with id 0 to the batch's longest length and runs over the padding.
 */
public final class SequenceBatch {
    public final PackedLayout layout;
    /** (N) token id of each packed row. */
    public final int[] ids;

    private SequenceBatch(PackedLayout layout, int[] ids) {
        this.layout = layout;
        this.ids = ids;
    }

    public static SequenceBatch of(int[][] tokens, boolean masked) {
        int b = tokens.length;
        if (b == 0) throw new IllegalArgumentException("empty batch");
        int[] lengths = new int[b];
        int max = 1;
        for (int i = 0; i < b; i++) {
            lengths[i] = masked ? unpaddedLength(tokens[i]) : tokens[i].length;
            max = Math.max(max, lengths[i]);
        }
        PackedLayout lay = masked ? PackedLayout.ofLengths(lengths) : PackedLayout.uniform(b, max);
        int[] ids = new int[lay.rows];
        for (int t = 0; t < lay.steps; t++) {
            for (int s = 0; s < lay.batchSizes[t]; s++) {
                int[] seq = tokens[lay.sortedToOriginal[s]];
                ids[lay.offsets[t] + s] = t < seq.length ? seq[t] : 0; // 0 = padding
            }
        }
        return new SequenceBatch(lay, ids);
    }

    /**
     * Length without trailing padding (id 0), i.e. what Keras' mask_zero keeps of a
     * post-padded row. Zeros inside a sequence are not masked: the vectorizer never
     * produces them (index 0 is only padding).
     */
    static int unpaddedLength(int[] seq) {
        int n = seq.length;
        while (n > 0 && seq[n - 1] == 0) n--;
        return n;
    }

    /** Labels reordered to the batch's sorted order. */
    public int[] sortLabels(int[] labels) {
        int[] out = new int[labels.length];
        for (int s = 0; s < out.length; s++) out[s] = labels[layout.sortedToOriginal[s]];
        return out;
    }
}
