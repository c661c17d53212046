// Scores a classifier on labelled data: mean cross-entropy, accuracy, and the confusion matrix from which
// EvaluationReport derives precision, recall and F1. Batched forward passes without dropout; the loss is
// a float64 log-softmax of the model's logits. Not a training-time metric hook: Trainer has its own.
package org.jrnn.eval;

import java.util.List;
import org.jrnn.data.Example;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.kernels.Parallel;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Sequential;

/** Evaluates a model on encoded or raw examples. Thread-safe (no state). */
public final class Evaluator {
    /** Sequences per forward pass. */
    public static final int BATCH_SIZE = 256;

    private Evaluator() {}

    /** Encodes each example's text as the model was trained to read it, then evaluates on all cores. */
    public static EvaluationReport evaluate(SavedModel m, List<Example> rows) {
        return evaluate(m, rows, Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@link #evaluate(SavedModel, List)} on {@code threads} threads (the same figures for any count).
     *
     * @throws UserInputException if there are no rows or a row's label is not one of the model's classes
     */
    public static EvaluationReport evaluate(SavedModel m, List<Example> rows, int threads) {
        int k = m.classNames().size();
        if (rows.isEmpty()) throw new UserInputException("no examples to evaluate");
        int[][] tokens = new int[rows.size()][];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).label() >= k) {
                throw new UserInputException("example " + (i + 1) + " has label index " + rows.get(i).label() + " but the model has " + k
                        + " classes (" + String.join(", ", m.classNames()) + ")");
            }
            tokens[i] = m.vectorizer().encode(rows.get(i).text(m.textField()));
            labels[i] = rows.get(i).label();
        }
        return evaluate(m.model(), tokens, labels, m.classNames(), threads);
    }

    /**
     * @param labels 0-based, each below {@code classNames.size()}
     * @throws IllegalArgumentException if the data is empty or a label is outside the model's classes
     */
    public static EvaluationReport evaluate(Sequential model, int[][] tokens, int[] labels, List<String> classNames) {
        return evaluate(model, tokens, labels, classNames, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Batches of {@value #BATCH_SIZE} split across {@code threads}; each batch keeps its own
     * confusion counts and loss, summed in batch order, so the report does not depend on the
     * thread count.
     */
    public static EvaluationReport evaluate(Sequential model, int[][] tokens, int[] labels, List<String> classNames, int threads) {
        int k = classNames.size();
        if (model.outputSize() != k) throw new IllegalArgumentException(k + " class names for a model with " + model.outputSize() + " outputs");
        if (tokens.length != labels.length) throw new IllegalArgumentException(tokens.length + " sequences but " + labels.length + " labels");
        if (tokens.length == 0) throw new IllegalArgumentException("no examples to evaluate");
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("example " + (i + 1) + " has label index " + labels[i] + " but the model has " + k
                        + " classes (" + String.join(", ", classNames) + ")");
            }
        }
        int batches = (tokens.length + BATCH_SIZE - 1) / BATCH_SIZE;
        long[][][] counts = new long[batches][][];
        double[] losses = new double[batches];
        try (Parallel parallel = new Parallel(Math.min(threads, batches))) { // batches ≥ 1; Parallel rejects threads < 1
            model.inferBatches(tokens, BATCH_SIZE, parallel, (bi, from, pass) -> {
                counts[bi] = new long[k][k];
                losses[bi] = score(pass, labels, from, counts[bi]);
            });
        }
        long[][] confusion = new long[k][k];
        double lossSum = 0;
        for (int bi = 0; bi < batches; bi++) {
            lossSum += losses[bi];
            for (int y = 0; y < k; y++) {
                for (int c = 0; c < k; c++) confusion[y][c] += counts[bi][y][c];
            }
        }
        return EvaluationReport.of(classNames, confusion, lossSum);
    }

    /** One batch's loss sum, its predictions counted into {@code confusion[label][predicted]}. */
    private static double score(Sequential.Pass pass, int[] labels, int from, long[][] confusion) {
        int k = confusion.length;
        double lossSum = 0;
        Matrix logits = pass.logits(); // (B, K), sorted order
        int[] original = pass.batch().layout.sortedToOriginal;
        for (int s = 0; s < original.length; s++) {
            int y = labels[from + original[s]];
            int base = s * k;
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double z = logits.data[base + c];
                if (z > max) {
                    max = z;
                    best = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < k; c++) sum += Math.exp(logits.data[base + c] - max);
            lossSum += Math.log(sum) + max - logits.data[base + y]; // -log softmax(z)_y
            confusion[y][best]++;
        }
        return lossSum;
    }
}
