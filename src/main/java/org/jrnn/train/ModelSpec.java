package org.jrnn.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jrnn.nn.Bidirectional;
import org.jrnn.nn.Dense;
import org.jrnn.nn.Dropout;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.GRU;
import org.jrnn.nn.GlobalAveragePooling1D;
import org.jrnn.nn.GlobalMaxPooling1D;
import org.jrnn.nn.LSTM;
import org.jrnn.nn.Layer;
import org.jrnn.nn.RecurrentLayer;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SimpleRNN;

/**
 * A model architecture as data (the {@code --model FILE.json} format, documented in the
 * README): the embedding (embedding_dim, default 64; mask_zero, default true, unlike Keras,
 * because padding should not count), then a Keras-like layer list. The classifier head
 * {@code Dense(K)} is always appended, K taken from the data.
 *
 * <pre>{"embedding_dim": 128, "mask_zero": true, "layers": [
 *   {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 64, "return_sequences": true}},
 *   {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 64}},
 *   {"type": "Dropout", "rate": 0.2}]}</pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(@JsonProperty("embedding_dim") int embeddingDim,
                        @JsonProperty("mask_zero") boolean maskZero,
                        @JsonProperty("layers") List<LayerSpec> layers) {

    /** Jackson entry point: missing fields get defaults (embedding_dim 64, mask_zero true). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static ModelSpec fromJson(@JsonProperty("embedding_dim") Integer embeddingDim,
                              @JsonProperty("mask_zero") Boolean maskZero,
                              @JsonProperty("layers") List<LayerSpec> layers) {
        return new ModelSpec(embeddingDim == null ? 64 : embeddingDim, maskZero == null || maskZero, layers);
    }

    /**
     * One layer. type: SimpleRNN, LSTM, GRU (units, return_sequences), Bidirectional (layer,
     * merge_mode: concat|sum|mean|mul), GlobalAveragePooling1D, GlobalMaxPooling1D,
     * Dropout (rate), Dense (units).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record LayerSpec(@JsonProperty("type") String type,
                            @JsonProperty("units") Integer units,
                            @JsonProperty("return_sequences") Boolean returnSequences,
                            @JsonProperty("layer") LayerSpec layer,
                            @JsonProperty("merge_mode") String mergeMode,
                            @JsonProperty("rate") Double rate) {

        public static LayerSpec rnn(String type, int units, boolean returnSequences) {
            return new LayerSpec(type, units, returnSequences ? Boolean.TRUE : null, null, null, null);
        }

        public static LayerSpec bidirectional(LayerSpec inner) {
            return new LayerSpec("Bidirectional", null, null, inner, null, null);
        }

        public static LayerSpec of(String type) {
            return new LayerSpec(type, null, null, null, null, null);
        }

        public static LayerSpec dropout(double rate) {
            return new LayerSpec("Dropout", null, null, null, null, rate);
        }

        Layer toLayer(String where) {
            if (type == null) throw new IllegalArgumentException(where + ": missing \"type\"");
            return switch (type) {
                case "SimpleRNN", "LSTM", "GRU" -> recurrent(where);
                case "Bidirectional" -> {
                    if (layer == null) throw new IllegalArgumentException(where + ": Bidirectional needs \"layer\"");
                    Layer inner = layer.toLayer(where + ".layer");
                    if (!(inner instanceof RecurrentLayer r)) {
                        throw new IllegalArgumentException(where + ": Bidirectional wraps SimpleRNN, LSTM or GRU, received: " + layer.type);
                    }
                    yield new Bidirectional(r, mergeMode == null ? Bidirectional.Merge.CONCAT : Bidirectional.Merge.parse(mergeMode));
                }
                case "GlobalAveragePooling1D" -> new GlobalAveragePooling1D();
                case "GlobalMaxPooling1D" -> new GlobalMaxPooling1D();
                case "Dropout" -> new Dropout(require(rate, "rate", where));
                case "Dense" -> new Dense(require(units, "units", where));
                default -> throw new IllegalArgumentException(where + ": unknown layer type '" + type
                        + "', expected one of SimpleRNN, LSTM, GRU, Bidirectional, GlobalAveragePooling1D, GlobalMaxPooling1D, Dropout, Dense");
            };
        }

        private RecurrentLayer recurrent(String where) {
            int u = require(units, "units", where);
            boolean rs = returnSequences != null && returnSequences;
            return switch (type) {
                case "SimpleRNN" -> new SimpleRNN(u, rs);
                case "LSTM" -> new LSTM(u, rs);
                default -> new GRU(u, rs);
            };
        }

        private static <T> T require(T v, String field, String where) {
            if (v == null) throw new IllegalArgumentException(where + ": missing \"" + field + "\"");
            return v;
        }
    }

    /** Builds the model for a vocabulary and a number of classes, initialised from seed. */
    public Sequential build(int vocabSize, int numClasses, long seed) {
        if (embeddingDim < 1) throw new IllegalArgumentException("embedding_dim must be >= 1, received: " + embeddingDim);
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("\"layers\" must list at least one recurrent layer");
        Sequential m = new Sequential(seed);
        m.add(new Embedding(vocabSize, embeddingDim, maskZero));
        for (int i = 0; i < layers.size(); i++) {
            m.add(layers.get(i).toLayer("layers[" + i + "]"));
        }
        m.add(new Dense(numClasses));
        m.checkClassifier();
        return m;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static ModelSpec read(Path file) throws IOException {
        try {
            return JSON.readValue(Files.readString(file), ModelSpec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException(file + (loc != null ? ":" + loc.getLineNr() : "") + ": " + e.getOriginalMessage());
        }
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
