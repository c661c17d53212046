package org.jrnn.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.LmVocabulary;

/**
 * Language-model configurations ({@code jrnn train --task lm --preset NAME}), kept apart from the
 * classifier {@link Preset}s: their architecture stops before the per-step head, whose size V only
 * the data's vocabulary decides ({@link LmJob#withHead}).
 *
 * @param body the layers up to the head; the last returns sequences
 */
public record LmPreset(String name, String description, TextField text, LmVocabulary.Tokens tokens, int batchSize, int epochs,
                       ModelSpec body) {
    public static final String DEFAULT = "char_lstm128";

    private static final Map<String, LmPreset> ALL = new LinkedHashMap<>();

    static {
        // The follow-up lesson ("Generative networks"): a char-level LSTM(128) on AG News titles. The
        // lesson feeds one-hot characters; an Embedding(V, 64) is the same map with fewer weights.
        add(new LmPreset("char_lstm128", "char-level Embedding(64), LSTM(128), TimeDistributed(Dense(V)) on titles",
                TextField.TITLE, LmVocabulary.Tokens.CHAR, 32, 1,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("LSTM", 128, true)))));
        add(new LmPreset("word_lstm128", "word-level Embedding(64), LSTM(128), TimeDistributed(Dense(V)) on titles",
                TextField.TITLE, LmVocabulary.Tokens.WORD, 32, 1,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("LSTM", 128, true)))));
    }

    private static void add(LmPreset p) {
        ALL.put(p.name, p);
    }

    /** @throws InvalidOptionException for an unknown name, listing the known ones */
    public static LmPreset get(String name) {
        LmPreset p = ALL.get(name);
        if (p == null) {
            throw new InvalidOptionException("unknown language-model preset '" + name + "', expected one of " + String.join(", ", ALL.keySet()));
        }
        return p;
    }

    public static List<LmPreset> all() {
        return List.copyOf(ALL.values());
    }
}
