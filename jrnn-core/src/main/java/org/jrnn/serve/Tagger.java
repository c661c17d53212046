// A loaded tagger: text (or tokens) in, one tag per token out, with the probability of each chosen tag.
// What `jrnn predict` calls for a model of task "tag". Like Classifier it never changes the model and keeps
// every forward pass's state per call, so one Tagger serves any number of threads.
package org.jrnn.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Tags tokens with a {@link SavedModel} of task {@link SavedModel.Task#TAG}. Thread-safe.
 *
 * <pre>{@code
 * Tagger t = Tagger.load(Path.of("ner.jrnn"));
 * Tagger.Tagged r = t.tag("Angela Merkel visited Paris .");
 * r.tokens();  // [Angela, Merkel, visited, Paris, .]
 * r.tags();    // [B-PER, I-PER, O, B-LOC, O]
 * }</pre>
 *
 * <p>Raw text is split by {@link TextVectorizer#splitWords} (whitespace, edge punctuation apart) and
 * each token looked up exactly as written, as the training file's tokens were. A sentence's tags never
 * depend on the other sentences of a batch: masked models pack each sentence to its own length, and
 * unmasked ones (which would run over padding) are batched only with sentences of the same length.
 */
public final class Tagger {
    /** Sentences per forward pass. */
    public static final int BATCH_SIZE = 256;

    private final SavedModel saved;
    private final Sequential model;
    private final TextVectorizer vectorizer;

    /** One tagged sentence: tags and the probability the model gave each chosen tag, one per token. */
    public record Tagged(List<String> tokens, List<String> tags, float[] scores) {}

    /** @throws UserInputException if the model is not a tagger */
    public Tagger(SavedModel saved) {
        if (saved.task() != SavedModel.Task.TAG) {
            throw new UserInputException("the model is a classifier, not a tagger (train one with --task tag)");
        }
        this.saved = saved;
        this.model = saved.model();
        this.vectorizer = saved.vectorizer();
    }

    /** Loads a {@code .jrnn} file; see {@link ModelFile#load}. */
    public static Tagger load(Path modelFile) throws IOException {
        return new Tagger(ModelFile.load(modelFile));
    }

    public SavedModel savedModel() {
        return saved;
    }

    /** The tag names in id order. */
    public List<String> tagNames() {
        return saved.classNames();
    }

    /** Splits {@code text} with {@link TextVectorizer#splitWords} and tags the tokens. */
    public Tagged tag(String text) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        return tagTokens(List.of(TextVectorizer.splitWords(text))).get(0);
    }

    /** Tags already split sentences, in input order; an empty sentence gets no tags. */
    public List<Tagged> tagTokens(List<List<String>> sentences) {
        int n = sentences.size();
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) ids[i] = vectorizer.encodeTokens(sentences.get(i));
        float[][][] probs = new float[n][][];
        // Groups of sentences that may share a batch: all of them if masked, else those of one length.
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        boolean masked = model.embedding().maskZero();
        for (int i = 0; i < n; i++) {
            if (ids[i].length == 0) continue;
            groups.computeIfAbsent(masked ? 0 : ids[i].length, k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> g : groups.values()) {
            for (int from = 0; from < g.size(); from += BATCH_SIZE) {
                List<Integer> part = g.subList(from, Math.min(g.size(), from + BATCH_SIZE));
                int[][] batch = new int[part.size()][];
                for (int j = 0; j < batch.length; j++) batch[j] = ids[part.get(j)];
                float[][][] p = model.predictStepProbabilities(batch, model.planInference(batch));
                for (int j = 0; j < batch.length; j++) probs[part.get(j)] = p[j];
            }
        }
        List<Tagged> out = new ArrayList<>(n);
        List<String> names = saved.classNames();
        for (int i = 0; i < n; i++) {
            int len = ids[i].length;
            List<String> tags = new ArrayList<>(len);
            float[] scores = new float[len];
            for (int t = 0; t < len; t++) {
                int best = SoftmaxCrossEntropy.argmax(probs[i][t], 0, names.size());
                tags.add(names.get(best));
                scores[t] = probs[i][t][best];
            }
            out.add(new Tagged(List.copyOf(sentences.get(i)), List.copyOf(tags), scores));
        }
        return out;
    }
}
