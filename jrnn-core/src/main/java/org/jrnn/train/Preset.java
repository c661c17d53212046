package org.jrnn.train;

import org.jrnn.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.model.LayerSpec;

/**
 * The lesson's configurations, each with the lesson's batch size (and the PyTorch anchor's,
 * shared/anchors/pytorch/README.md "Presets"). Comments say where each comes from.
 */
public record Preset(String name, String description, TextField text, int batchSize, ModelSpec model,
                     int epochs, double valSplit, int patience) {

    /** The lesson's presets: one epoch, validation on the test set, no early stopping. */
    Preset(String name, String description, TextField text, int batchSize, ModelSpec model) {
        this(name, description, text, batchSize, model, 1, 0, 0);
    }

    public static final String DEFAULT = "rnn_masked";

    private static final Map<String, Preset> ALL = new LinkedHashMap<>();

    static {
        // The lesson's first model: titles only, no mask, so the RNN also runs over padding.
        add(new Preset("rnn_titles", "SimpleRNN(16) on titles, unmasked (the lesson's first model)", TextField.TITLE, 16,
                new ModelSpec(64, false, List.of(LayerSpec.rnn("SimpleRNN", 16, false)))));
        // The lesson's masked model on title + description; jrnn's default.
        add(new Preset("rnn_masked", "SimpleRNN(16), masked, title + description", TextField.TITLE_AND_DESCRIPTION, 16,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("SimpleRNN", 16, false)))));
        // The lesson's LSTM(8), trained with batch 8.
        add(new Preset("lstm", "LSTM(8), masked, batch 8", TextField.TITLE_AND_DESCRIPTION, 8,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("LSTM", 8, false)))));
        add(new Preset("gru", "GRU(16), masked", TextField.TITLE_AND_DESCRIPTION, 16,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("GRU", 16, false)))));
        // The lesson's stacked bidirectional model (about 8 min/epoch on a cloud GPU in Keras).
        add(new Preset("bilstm2x64", "Embedding(128), 2 stacked Bidirectional LSTM(64)", TextField.TITLE_AND_DESCRIPTION, 16,
                new ModelSpec(128, true, List.of(
                        LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 64, true)),
                        LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 64, false))))));
        // The PyTorch notebook's RNNClassifier: RNN(32) outputs averaged over the (real) steps.
        add(new Preset("rnn_mean", "SimpleRNN(32), mean over real steps (the PyTorch notebook)", TextField.TITLE_AND_DESCRIPTION, 16,
                new ModelSpec(64, true, List.of(LayerSpec.rnn("SimpleRNN", 32, true), LayerSpec.of("GlobalAveragePooling1D")))));
        // Not from the lesson: jrnn's most accurate configuration on the 28,692-row data. Vocabulary
        // from all training rows (the default), a wider bidirectional GRU, max over real steps,
        // dropout, and up to 5 epochs with early stopping on a 5 % held-out split (test data
        // never steers training).
        add(new Preset("best", "Embedding(128), Bidirectional GRU(64), max pooling, dropout 0.3",
                TextField.TITLE_AND_DESCRIPTION, 16,
                new ModelSpec(128, true, List.of(
                        LayerSpec.bidirectional(LayerSpec.rnn("GRU", 64, true)),
                        LayerSpec.of("GlobalMaxPooling1D"),
                        LayerSpec.dropout(0.3))),
                5, 0.05, 1));
    }

    private static void add(Preset p) {
        ALL.put(p.name, p);
    }

    /** @throws InvalidOptionException for an unknown name, listing the known ones */
    public static Preset get(String name) {
        Preset p = ALL.get(name);
        if (p == null) throw new InvalidOptionException("unknown preset '" + name + "', expected one of " + String.join(", ", ALL.keySet()));
        return p;
    }

    public static List<Preset> all() {
        return List.copyOf(ALL.values());
    }
}
