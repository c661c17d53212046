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
     * The windows truncated back-propagation through time cuts row {@code row} into: ⌈n/steps⌉
     * for n steps, at least 1 (an empty row is one window); {@code steps} 0 = no cut, 1 window.
     */
    public int windowCount(int row, int steps) {
        checkWindowSteps(steps);
        int n = tokens[row].length;
        return steps == 0 || n <= steps ? 1 : (n + steps - 1) / steps;
    }

    /**
     * Truncated back-propagation through time: window {@code k} (0-based) of every row that has
     * one ({@link #windowCount} &gt; k), in row order, steps [k·steps, (k+1)·steps) of the row; tokens
     * and targets are cut at the same places, so a next-token target stays the next token. A row
     * that is one window whole is itself (not a copy). The trainer runs window k+1 of a text from
     * the recurrent state window k ended in ({@code Trainer.fitSteps}); this is the one place
     * where texts are cut. {@code steps} 0 = no cut: window 0 is the data.
     */
    public StepDataset window(int k, int steps) {
        checkWindowSteps(steps);
        if (k < 0) throw new IllegalArgumentException("window index must be >= 0, received: " + k);
        if (steps == 0) return k == 0 ? this : new StepDataset(new int[0][], new int[0][], numClasses);
        List<int[]> t = new ArrayList<>();
        List<int[]> y = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            int n = tokens[i].length;
            if (k >= windowCount(i, steps)) continue;
            if (n <= steps) {
                t.add(tokens[i]);
                y.add(targets[i]);
                continue;
            }
            int from = k * steps;
            int to = Math.min(n, from + steps);
            t.add(Arrays.copyOfRange(tokens[i], from, to));
            y.add(Arrays.copyOfRange(targets[i], Math.min(from, targets[i].length), Math.min(to, targets[i].length)));
        }
        return new StepDataset(t.toArray(new int[0][]), y.toArray(new int[0][]), numClasses);
    }

    private static void checkWindowSteps(int steps) {
        if (steps < 0) throw new IllegalArgumentException("window steps must be >= 0 (0 = no cut), received: " + steps);
    }
}
