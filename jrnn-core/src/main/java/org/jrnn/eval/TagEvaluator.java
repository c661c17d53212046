// Scores a tagger on tagged sentences: per-token cross-entropy and accuracy, the tag confusion matrix (from
// which EvaluationReport derives per-tag precision/recall/F1) and, for BIO tag sets, entity-level scores
// (Entities, conlleval rules). Inference goes through Sequential.inferBatches like the classifier's Evaluator,
// so the figures do not depend on the thread count.
package org.jrnn.eval;

import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.ConllReader;
import org.jrnn.data.TaggedSentence;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.kernels.Parallel;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SoftmaxCrossEntropy;

/** Evaluates a tagger. Thread-safe (no state). */
public final class TagEvaluator {
    private TagEvaluator() {}

    /**
     * Looks every token up as the model was trained to ({@code TextVectorizer#encodeTokens}: as written),
     * checks every tag is one of the model's, then scores on {@code threads} threads.
     *
     * @param file the data's name, for messages naming an unknown tag's line
     * @throws UserInputException if the model is not a tagger, there are no sentences, or a tag is unknown
     */
    public static TaggingReport evaluate(SavedModel m, List<TaggedSentence> sentences, String file, int threads) {
        if (m.task() != SavedModel.Task.TAG) {
            throw new UserInputException("the model is a classifier, not a tagger: evaluate it on labelled texts");
        }
        if (sentences.isEmpty()) throw new UserInputException("no sentences to evaluate");
        int[][] gold = ConllReader.tagIds(sentences, m.classNames(), file, "the model");
        int[][] tokens = new int[sentences.size()][];
        for (int i = 0; i < tokens.length; i++) tokens[i] = m.vectorizer().encodeTokens(sentences.get(i).tokens());
        return evaluate(m.model(), tokens, gold, m.classNames(), threads);
    }

    /**
     * @param gold tag ids, one row per sentence, as long as its tokens
     * @throws IllegalArgumentException if the shapes disagree or an id is outside the tags
     */
    public static TaggingReport evaluate(Sequential model, int[][] tokens, int[][] gold, List<String> tagNames, int threads) {
        int k = tagNames.size();
        if (model.outputSize() != k) throw new IllegalArgumentException(k + " tag names for a model with " + model.outputSize() + " outputs");
        if (tokens.length != gold.length || tokens.length == 0) {
            throw new IllegalArgumentException(tokens.length + " sentences but " + gold.length + " tag rows; expected as many, at least 1");
        }
        int[][] predicted = new int[tokens.length][];
        int batches = (tokens.length + Evaluator.BATCH_SIZE - 1) / Evaluator.BATCH_SIZE;
        double[] loss = new double[batches];
        try (Parallel parallel = new Parallel(Math.max(1, Math.min(threads, batches)))) {
            model.inferBatches(tokens, Evaluator.BATCH_SIZE, parallel, (bi, from, pass) -> {
                float[][][] logits = Sequential.unpackSteps(pass.logits()); // (B, T_b, K) in the batch's order
                double l = 0;
                for (int b = 0; b < logits.length; b++) {
                    int i = from + b;
                    int n = tokens[i].length;
                    if (gold[i].length != n) throw new IllegalArgumentException("sentence " + (i + 1) + ": " + n + " tokens, " + gold[i].length + " tags");
                    int[] p = new int[n];
                    for (int t = 0; t < n; t++) {
                        float[] z = logits[b][t];
                        int y = gold[i][t];
                        if (y < 0 || y >= k) throw new IllegalArgumentException("tag id " + y + " outside [0, " + k + ")");
                        p[t] = SoftmaxCrossEntropy.argmax(z, 0, k);
                        l += SoftmaxCrossEntropy.crossEntropy(z, 0, k, y, z[p[t]]);
                    }
                    predicted[i] = p;
                }
                loss[bi] = l;
            });
        }
        double lossSum = 0;
        for (double l : loss) lossSum += l;
        return report(gold, predicted, tagNames, lossSum);
    }

    /** Every figure from gold and predicted tag ids (same shapes) and the summed token loss. */
    public static TaggingReport report(int[][] gold, int[][] predicted, List<String> tagNames, double lossSum) {
        int k = tagNames.size();
        long[][] confusion = new long[k][k];
        List<List<String>> goldTags = new ArrayList<>(gold.length);
        List<List<String>> predTags = new ArrayList<>(gold.length);
        for (int i = 0; i < gold.length; i++) {
            List<String> g = new ArrayList<>(gold[i].length);
            List<String> p = new ArrayList<>(gold[i].length);
            for (int t = 0; t < gold[i].length; t++) {
                confusion[gold[i][t]][predicted[i][t]]++;
                g.add(tagNames.get(gold[i][t]));
                p.add(tagNames.get(predicted[i][t]));
            }
            goldTags.add(g);
            predTags.add(p);
        }
        Entities.Scores entities = Entities.isBio(tagNames) ? Entities.score(goldTags, predTags) : null;
        return new TaggingReport(gold.length, EvaluationReport.of(tagNames, confusion, lossSum), entities);
    }
}
