// One classified text: the winning class, every class probability, and optionally per-token weights.
// Plain immutable data; JSON shaping is the caller's (the predict command, a future HTTP server).
package org.jrnn.serve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prediction for one text.
 *
 * @param labelIndex index of the most probable class (the first one on a tie, as argmax)
 * @param probabilities the head's output in class order: softmax, summing to 1 (up to float rounding); for an
 *     imported sigmoid head independent per-class probabilities, for a linear head the raw outputs
 * @param explanation per-token occlusion weights in text order, or null when not asked for
 */
public record Prediction(String text, int labelIndex, String label, List<Double> probabilities, List<String> classNames,
                         List<TokenWeight> explanation) {

    public Prediction {
        probabilities = List.copyOf(probabilities);
        classNames = List.copyOf(classNames);
        explanation = explanation == null ? null : List.copyOf(explanation);
    }

    /** A class with its probability. */
    public record Scored(String label, int index, double probability) {}

    /**
     * How much one token drives the prediction: the predicted class's probability minus its
     * probability with this token replaced by [UNK]. Positive supports the prediction.
     */
    public record TokenWeight(String token, double weight) {}

    /** Probability of the predicted class. */
    public double confidence() {
        return probabilities.get(labelIndex);
    }

    /** Class name → probability, in class order. */
    public Map<String, Double> probabilityMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < classNames.size(); i++) m.put(classNames.get(i), probabilities.get(i));
        return m;
    }

    /** The k most probable classes, most probable first (ties in class order). */
    public List<Scored> topK(int k) {
        if (k < 1) throw new IllegalArgumentException("top-k must be >= 1, received: " + k);
        List<Scored> all = new ArrayList<>();
        for (int i = 0; i < classNames.size(); i++) all.add(new Scored(classNames.get(i), i, probabilities.get(i)));
        all.sort(Comparator.comparingDouble(Scored::probability).reversed()); // stable: ties keep class order
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }
}
