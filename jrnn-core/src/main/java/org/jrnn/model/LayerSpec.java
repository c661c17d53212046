// One entry of an architecture's layer list, as data (JSON field names are Keras' config keys).
// What each type means, which fields it takes and which parameters it creates is LayerType's table.
package org.jrnn.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One layer: {@code type} is a Keras class name (see {@link LayerType}); the other fields are
 * set only where that type takes them: {@code units}, {@code return_sequences} (SimpleRNN, LSTM,
 * GRU), {@code layer} and {@code merge_mode} (Bidirectional: concat|sum|mean|mul), {@code rate}
 * (Dropout, SpatialDropout1D), {@code units} and {@code activation} (Dense: linear|relu|tanh|sigmoid,
 * absent = linear, so files written before it mean what they meant), {@code layer} (TimeDistributed: a Dense).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record LayerSpec(@JsonProperty("type") String type,
                        @JsonProperty("units") Integer units,
                        @JsonProperty("return_sequences") Boolean returnSequences,
                        @JsonProperty("layer") LayerSpec layer,
                        @JsonProperty("merge_mode") String mergeMode,
                        @JsonProperty("rate") Double rate,
                        @JsonProperty("activation") String activation) {

    @JsonCreator
    public LayerSpec {
    }

    /** A spec without {@code activation} (every type but Dense). */
    public LayerSpec(String type, Integer units, Boolean returnSequences, LayerSpec layer, String mergeMode, Double rate) {
        this(type, units, returnSequences, layer, mergeMode, rate, null);
    }

    /** A recurrent layer: type SimpleRNN, LSTM or GRU. */
    public static LayerSpec rnn(String type, int units, boolean returnSequences) {
        return new LayerSpec(type, units, returnSequences ? Boolean.TRUE : null, null, null, null);
    }

    public static LayerSpec bidirectional(LayerSpec inner) {
        return new LayerSpec("Bidirectional", null, null, inner, null, null);
    }

    public static LayerSpec bidirectional(LayerSpec inner, String mergeMode) {
        return new LayerSpec("Bidirectional", null, null, inner, mergeMode, null);
    }

    /** A layer without settings (the pooling layers). */
    public static LayerSpec of(String type) {
        return new LayerSpec(type, null, null, null, null, null);
    }

    public static LayerSpec dropout(double rate) {
        return new LayerSpec("Dropout", null, null, null, null, rate);
    }

    public static LayerSpec dense(int units) {
        return new LayerSpec("Dense", units, null, null, null, null);
    }

    /** A Dense with a Keras activation name; linear is written as no field, as files without it mean. */
    public static LayerSpec dense(int units, String activation) {
        return new LayerSpec("Dense", units, null, null, null, null, "linear".equals(activation) ? null : activation);
    }

    /** {@code TimeDistributed(Dense(units))}: a Dense on every step, the per-step head of a model that ends in it. */
    public static LayerSpec timeDistributed(int units) {
        return new LayerSpec("TimeDistributed", null, null, dense(units), null, null);
    }

    boolean returnsSequences() {
        return returnSequences != null && returnSequences;
    }
}
