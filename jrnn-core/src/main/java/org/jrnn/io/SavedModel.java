// Everything a .jrnn file holds, in memory: the architecture, the vectorizer and its settings, the class
// names, the built model with its weights, and what is known about how it was trained. Plain data; the
// file format itself is ModelFile's business (docs/FORMAT.md).
package org.jrnn.io;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import org.jrnn.data.TextField;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;

/**
 * A trained classifier ready to save or use.
 *
 * @param architecture the layer list the model was built from ({@link ModelSpec#build})
 * @param maxTokens the vectorizer's {@code max_tokens} setting (the vocabulary may be smaller)
 * @param textField which part of an AG News row the model reads
 * @param classNames label names in label order; as many as the model's outputs
 * @param training how the model was trained, or null when unknown (for example a converted model)
 * @param created ISO-8601 UTC time the file was written, or null when unknown
 * @param producer what wrote the file ("jrnn 0.1.0", "tools/from_pytorch.py"), or null when unknown
 * @param task what the model does with text, which decides how text becomes ids (see {@link Task})
 */
public record SavedModel(ModelSpec architecture, TextVectorizer vectorizer, int maxTokens, TextField textField,
                         List<String> classNames, Sequential model, Training training, String created, String producer,
                         Task task) {

    /**
     * What a model does. {@link #CLASSIFY}: one label per text, text read with the Keras standardize
     * ({@link TextVectorizer#tokenize}). {@link #TAG}: one tag per token (a per-step model, class names
     * = tag names), tokens looked up exactly as written ({@link TextVectorizer#splitWords} for raw
     * text); {@code textField} means nothing for it and is {@link TextField#TITLE}.
     */
    public enum Task {
        CLASSIFY("classify"),
        TAG("tag");

        /** The file's spelling ("task" in config.json). */
        public final String fileName;

        Task(String fileName) {
            this.fileName = fileName;
        }

        /** Inverse of {@link #fileName}; null for anything else. */
        public static Task parse(String s) {
            for (Task t : values()) if (t.fileName.equals(s)) return t;
            return null;
        }
    }

    /** A classifier (the format before tasks existed). */
    public SavedModel(ModelSpec architecture, TextVectorizer vectorizer, int maxTokens, TextField textField,
                      List<String> classNames, Sequential model, Training training, String created, String producer) {
        this(architecture, vectorizer, maxTokens, textField, classNames, model, training, created, producer, Task.CLASSIFY);
    }

    /** What jrnn records as a file's producer: "jrnn " and the version from pom.xml. */
    public static String producerName() {
        return "jrnn " + org.jrnn.Version.get();
    }

    public SavedModel {
        if (architecture == null || vectorizer == null || textField == null || classNames == null || model == null) {
            throw new IllegalArgumentException("architecture, vectorizer, textField, classNames and model are required");
        }
        classNames = List.copyOf(classNames);
        if (task == null) throw new IllegalArgumentException("task is required");
        if (task == Task.TAG && !architecture.perStep()) {
            throw new IllegalArgumentException("a tagger needs a per-step architecture (ending in TimeDistributed)");
        }
        if (classNames.size() != model.outputSize()) {
            throw new IllegalArgumentException(classNames.size() + " class names for a model with " + model.outputSize() + " outputs");
        }
        if (new HashSet<>(classNames).size() != classNames.size() || classNames.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("class names must be distinct and non-empty, received: " + classNames);
        }
        if (vectorizer.size() != model.embedding().vocabSize()) {
            throw new IllegalArgumentException("the vocabulary has " + vectorizer.size() + " entries but the embedding has "
                    + model.embedding().vocabSize() + " rows");
        }
        if (maxTokens < vectorizer.size()) {
            throw new IllegalArgumentException("max_tokens " + maxTokens + " is smaller than the vocabulary (" + vectorizer.size() + ")");
        }
    }

    /**
     * How a model was trained; any field may be null when unknown. {@code history} is one entry per
     * epoch (empty when unknown); validation figures are NaN when there was no validation data.
     */
    public record Training(String preset, String data, Integer epochs, Long seed, Integer batchSize, Double learningRate,
                           Integer trainRows, Integer testRows, List<EpochMetrics> history) {
        public Training {
            history = history == null ? List.of() : List.copyOf(history);
        }
    }

    /** A model from elsewhere (no training record), stamped now. */
    public static SavedModel of(ModelSpec architecture, TextVectorizer vectorizer, TextField textField,
                                List<String> classNames, Sequential model) {
        return new SavedModel(architecture, vectorizer, vectorizer.size(), textField, classNames, model, null, now(),
                producerName());
    }

    /** The training history, empty when unknown. */
    public List<EpochMetrics> history() {
        return training == null ? List.of() : training.history();
    }

    /** The current UTC time to the second, as files record it. */
    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** "title" or "title+description": the file's spelling of a {@link TextField}. */
    public static String textFieldName(TextField f) {
        return f == TextField.TITLE ? "title" : "title+description";
    }

    /** Inverse of {@link #textFieldName}; null for anything else. */
    static TextField parseTextField(String s) {
        return switch (s) {
            case "title" -> TextField.TITLE;
            case "title+description" -> TextField.TITLE_AND_DESCRIPTION;
            default -> null;
        };
    }
}
