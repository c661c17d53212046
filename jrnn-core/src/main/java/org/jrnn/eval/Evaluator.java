// Scores a classifier on labelled data: mean cross-entropy, accuracy, and the confusion matrix from which
// EvaluationReport derives precision, recall and F1. The loop itself is nn's Sequential.score, which the
// trainer's validation uses too, so both report the same loss and accuracy for the same model and data.
package org.jrnn.eval;

import java.util.List;
import org.jrnn.data.Example;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.kernels.Parallel;
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
        if (m.architecture().perStep()) {
            throw new UserInputException("the model has a per-step head (TimeDistributed): it gives one output per token, "
                    + "while evaluation scores one label per text");
        }
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
     * Batches of {@value #BATCH_SIZE} split across {@code threads} by {@link Sequential#score}, whose
     * sums do not depend on the thread count, and neither does the report.
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
        Sequential.Scores scores;
        try (Parallel parallel = new Parallel(Math.min(threads, batches))) { // batches ≥ 1; Parallel rejects threads < 1
            scores = model.score(tokens, labels, BATCH_SIZE, parallel);
        }
        long[][] confusion = new long[k][k];
        for (int i = 0; i < labels.length; i++) confusion[labels[i]][scores.predicted()[i]]++;
        return EvaluationReport.of(classNames, confusion, scores.lossSum());
    }
}
