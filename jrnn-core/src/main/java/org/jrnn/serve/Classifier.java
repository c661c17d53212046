// A loaded model as a text classifier: text in, Prediction out. What `jrnn predict` and any embedding
// application call. It never changes the model, and each forward pass keeps its caches per call, so one
// Classifier serves any number of threads. Not a server: serve/ may grow an HTTP front on top of this.
package org.jrnn.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SoftmaxCrossEntropy;
import org.jrnn.text.TextVectorizer;

/**
 * Classifies texts with a {@link SavedModel}. Thread-safe: {@link #predict}, {@link #predictBatch}
 * and {@link #explain} may be called concurrently.
 *
 * <pre>{@code
 * Classifier c = Classifier.load(Path.of("model.jrnn"));
 * Prediction p = c.predict("Federer wins the final in straight sets");
 * p.label();        // "Sports"
 * p.topK(2);        // [Scored[label=Sports, ...], Scored[label=World, ...]]
 * }</pre>
 *
 * <p>A text's prediction never depends on the other texts of a batch: masked models pack each
 * sequence to its own length, and unmasked models (which would run over padding) are batched only
 * with texts of the same length.
 */
public final class Classifier {
    /** Sequences per forward pass. */
    public static final int BATCH_SIZE = 256;
    /** Longest text {@link #explain} accepts: it runs one forward pass per token. */
    public static final int MAX_EXPLAIN_TOKENS = 2000;

    /**
     * The whole-vocabulary inference plan is built once the batches' own partial plans have
     * projected this fraction of the vocabulary's rows: a one-text process (jrnn predict "...")
     * never pays for the whole table (bilstm2x64: 655 M multiply-adds, most of the run), a
     * long-running one pays at most this fraction twice over.
     */
    static final double FULL_PLAN_AFTER = 0.25;

    private final SavedModel saved;
    private final Sequential model;
    /** The whole vocabulary's plan, built once (a loaded model's weights never change); null until then. */
    private volatile Sequential.InferencePlan plan;
    /** Rows projected by partial plans so far. */
    private final java.util.concurrent.atomic.AtomicLong partialRows = new java.util.concurrent.atomic.AtomicLong();
    private final TextVectorizer vectorizer;

    /** @throws UserInputException for a per-step model (TimeDistributed head): it labels tokens, not texts */
    public Classifier(SavedModel saved) {
        if (saved.architecture().perStep()) {
            throw new UserInputException("the model has a per-step head (TimeDistributed): it gives one output per token, "
                    + "while prediction classifies whole texts");
        }
        this.saved = saved;
        this.model = saved.model();
        this.vectorizer = saved.vectorizer();
    }

    /** Loads a {@code .jrnn} file; see {@link ModelFile#load}. */
    public static Classifier load(Path modelFile) throws IOException {
        return new Classifier(ModelFile.load(modelFile));
    }

    public SavedModel savedModel() {
        return saved;
    }

    public List<String> classNames() {
        return saved.classNames();
    }

    public Prediction predict(String text) {
        return predictBatch(java.util.Collections.singletonList(requireText(text))).get(0);
    }

    /** Predictions in input order. */
    public List<Prediction> predictBatch(List<String> texts) {
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) ids[i] = vectorizer.encode(requireText(texts.get(i)));
        float[][] probs = probabilities(ids);
        List<Prediction> out = new ArrayList<>(texts.size());
        for (int i = 0; i < ids.length; i++) out.add(prediction(texts.get(i), probs[i], null));
        return out;
    }

    /**
     * Predicts and explains by occlusion: each token in turn is replaced by [UNK] and the drop in
     * the predicted class's probability is its weight (unknown tokens get 0). Tokens are the
     * vectorizer's (lower-cased, punctuation stripped).
     *
     * @throws UserInputException for texts over {@value #MAX_EXPLAIN_TOKENS} tokens
     */
    public Prediction explain(String text) {
        List<String> tokens = TextVectorizer.tokenize(requireText(text));
        if (tokens.size() > MAX_EXPLAIN_TOKENS) {
            throw new UserInputException("explain supports texts of at most " + MAX_EXPLAIN_TOKENS + " tokens, received " + tokens.size());
        }
        int n = tokens.size();
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) ids[t] = vectorizer.indexOf(tokens.get(t));
        int[][] batch = new int[n + 1][];
        batch[0] = ids;
        for (int t = 0; t < n; t++) {
            batch[t + 1] = ids.clone();
            batch[t + 1][t] = TextVectorizer.OOV_INDEX;
        }
        float[][] probs = probabilities(batch);
        int best = argmax(probs[0]);
        List<Prediction.TokenWeight> weights = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            double w = ids[t] == TextVectorizer.OOV_INDEX ? 0 : (double) probs[0][best] - probs[t + 1][best];
            weights.add(new Prediction.TokenWeight(tokens.get(t), w));
        }
        return prediction(text, probs[0], weights);
    }

    private static String requireText(String text) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        return text;
    }

    /** (B, K) probabilities in input order, batched so that no text's result depends on another's. */
    private float[][] probabilities(int[][] ids) {
        float[][] out = new float[ids.length][];
        if (model.embedding().maskZero()) {
            for (int from = 0; from < ids.length; from += BATCH_SIZE) {
                int to = Math.min(ids.length, from + BATCH_SIZE);
                int[][] x = Arrays.copyOfRange(ids, from, to);
                float[][] p = model.predictProbabilities(x, planFor(x));
                System.arraycopy(p, 0, out, from, p.length);
            }
            return out;
        }
        Map<Integer, List<Integer>> byLength = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) byLength.computeIfAbsent(ids[i].length, k -> new ArrayList<>()).add(i);
        for (List<Integer> group : byLength.values()) {
            for (int from = 0; from < group.size(); from += BATCH_SIZE) {
                List<Integer> part = group.subList(from, Math.min(group.size(), from + BATCH_SIZE));
                int[][] x = new int[part.size()][];
                for (int j = 0; j < x.length; j++) x[j] = ids[part.get(j)];
                float[][] p = model.predictProbabilities(x, planFor(x));
                for (int j = 0; j < x.length; j++) out[part.get(j)] = p[j];
            }
        }
        return out;
    }

    /**
     * The plan for one batch: the whole vocabulary's once built, else one for the batch's own ids.
     * Both give the same rows bit for bit ({@link Sequential#planInference(int[][])}), so a text's
     * result does not depend on which one served it.
     */
    private Sequential.InferencePlan planFor(int[][] batch) {
        Sequential.InferencePlan full = plan;
        if (full != null) return full;
        Sequential.InferencePlan partial = model.planInference(batch); // null when the first layer cannot use a plan
        if (partial == null || partialRows.addAndGet(partial.rowCount()) < FULL_PLAN_AFTER * model.embedding().vocabSize()) {
            return partial;
        }
        synchronized (this) {
            if (plan == null) plan = model.planInference();
            return plan;
        }
    }

    private Prediction prediction(String text, float[] p, List<Prediction.TokenWeight> explanation) {
        int best = argmax(p);
        List<Double> probs = new ArrayList<>(p.length);
        for (float v : p) probs.add((double) v);
        return new Prediction(text, best, saved.classNames().get(best), probs, saved.classNames(), explanation);
    }

    private static int argmax(float[] p) {
        return SoftmaxCrossEntropy.argmax(p, 0, p.length);
    }
}
