package org.jrnn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token-id sequences with one target per step: what per-step models (language models, taggers)
 * train on. {@code targets[i][t]} is step t's class, or {@link #IGNORE} for a step that must not
 * count (PyTorch's {@code ignore_index}); a target row may be shorter than its token row (the
 * missing steps are ignored) but not longer. Sequences keep their natural lengths, as in
 * {@link EncodedDataset}; the data side decides what the targets are (the next token for a
 * language model, the tag for a tagger).
 */
public record StepDataset(int[][] tokens, int[][] targets, int numClasses) {
    /** The target of a step that does not count: PyTorch's default ignore_index. */
    public static final int IGNORE = -100;

    public StepDataset {
        if (tokens.length != targets.length) {
            throw new IllegalArgumentException("tokens: " + tokens.length + " rows, targets: " + targets.length);
        }
        for (int i = 0; i < tokens.length; i++) {
            if (targets[i].length > tokens[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + targets[i].length + " targets for " + tokens[i].length + " tokens");
            }
            for (int y : targets[i]) {
                if (y != IGNORE && (y < 0 || y >= numClasses)) {
                    throw new IllegalArgumentException("row " + i + ": target " + y + " outside [0, " + numClasses + ")");
                }
            }
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

    /** Steps that count (target not {@link #IGNORE}) over all rows. */
    public long countedSteps() {
        long n = 0;
        for (int[] row : targets) {
            for (int y : row) if (y != IGNORE) n++;
        }
        return n;
    }

    /** Rows at the given indices, in that order. */
    public StepDataset select(int[] idx) {
        int[][] t = new int[idx.length][];
        int[][] y = new int[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            t[i] = tokens[idx[i]];
            y[i] = targets[idx[i]];
        }
        return new StepDataset(t, y, numClasses);
    }

    /**
     * Truncated back-propagation through time: every row longer than {@code steps} is cut into
     * consecutive windows of at most {@code steps} steps, each window a row of its own (tokens and
     * targets cut at the same places, so a next-token target stays the next token). Windows start
     * from a zero state: see {@code Trainer.trainSteps}. {@code steps} 0 = no cut.
     */
    public StepDataset windows(int steps) {
        if (steps < 0) throw new IllegalArgumentException("window steps must be >= 0 (0 = no cut), received: " + steps);
        if (steps == 0) return this;
        List<int[]> t = new ArrayList<>();
        List<int[]> y = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            int n = tokens[i].length;
            if (n <= steps) {
                t.add(tokens[i]);
                y.add(targets[i]);
                continue;
            }
            for (int from = 0; from < n; from += steps) {
                int to = Math.min(n, from + steps);
                t.add(Arrays.copyOfRange(tokens[i], from, to));
                y.add(Arrays.copyOfRange(targets[i], Math.min(from, targets[i].length), Math.min(to, targets[i].length)));
            }
        }
        return new StepDataset(t.toArray(new int[0][]), y.toArray(new int[0][]), numClasses);
    }
}
