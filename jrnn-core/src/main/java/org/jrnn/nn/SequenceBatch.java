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

    /**
     * Per-step targets (B, T) in the caller's order → one per packed row (N), for
     * {@link PerStepCrossEntropy}. Steps without a row (padding under masking) are dropped; a row
     * past the end of its target row gets {@code ignoreIndex}, as if padded with it (so targets
     * may be ragged like the tokens).
     */
    public int[] packTargets(int[][] targets, int ignoreIndex) {
        if (targets.length != layout.batch) {
            throw new IllegalArgumentException("targets for " + targets.length + " sequences, batch has " + layout.batch);
        }
        int[] out = new int[layout.rows];
        for (int t = 0; t < layout.steps; t++) {
            for (int s = 0; s < layout.batchSizes[t]; s++) {
                int[] row = targets[layout.sortedToOriginal[s]];
                out[layout.offsets[t] + s] = t < row.length ? row[t] : ignoreIndex;
            }
        }
        return out;
    }

    /** Labels reordered to the batch's sorted order. */
    public int[] sortLabels(int[] labels) {
        int[] out = new int[labels.length];
        for (int s = 0; s < out.length; s++) out[s] = labels[layout.sortedToOriginal[s]];
        return out;
    }
}
