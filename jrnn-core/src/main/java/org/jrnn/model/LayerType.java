// The table of layer types: the one place that knows, for each Keras layer name, which JSON fields it
// takes, which nn layer it builds, which parameters that layer holds (PyTorch state-dict names and
// shapes, in the layer's params() order) and what it outputs. Model files, presets, the CLI and (next)
// importers and exporters all ask this table; adding a layer type is one row here plus its nn class.
package org.jrnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jrnn.nn.Bidirectional;
import org.jrnn.nn.Dense;
import org.jrnn.nn.Dropout;
import org.jrnn.nn.GlobalAveragePooling1D;
import org.jrnn.nn.GlobalMaxPooling1D;
import org.jrnn.nn.Layer;
import org.jrnn.nn.RecurrentLayer;
import org.jrnn.nn.SimpleRNN;
import org.jrnn.nn.SpatialDropout1D;
import org.jrnn.nn.TimeDistributed;

/**
 * Layer types by their Keras names. Parameter names follow the PyTorch reference model's
 * {@code state_dict}: recurrent layer k (a Bidirectional counts as one) holds
 * {@code rnn.weight_ih_lk} (G·H, I), {@code rnn.weight_hh_lk} (G·H, H), {@code rnn.bias_ih_lk},
 * {@code rnn.bias_hh_lk} (G·H), and the backward direction the same with {@code _reverse}
 * (torch {@code RNNBase.__init__}); Dense layers are {@code fc}, {@code fc1}, {@code fc2}, ...
 * (the classifier head, appended last, included; a TimeDistributed Dense counts as a Dense).
 */
public enum LayerType {
    SIMPLE_RNN("SimpleRNN", 1),
    LSTM("LSTM", 4),  // rows i|f|g|o
    GRU("GRU", 3),    // rows r|z|n
    BIDIRECTIONAL("Bidirectional", Set.of("layer", "merge_mode")) {
        @Override
        Layer build(LayerSpec s) {
            RecurrentLayer inner = (RecurrentLayer) of(s.layer().type()).build(s.layer());
            return new Bidirectional(inner, merge(s, "?"));
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            w.needSequence(this, at);
            LayerSpec inner = s.layer();
            if (inner == null) throw new ArchitectureException(at + ": Bidirectional needs \"layer\"");
            LayerType t = parse(inner.type(), at + ".layer");
            if (t.gates == 0) {
                throw new ArchitectureException(at + ": Bidirectional wraps SimpleRNN, LSTM or GRU, received: " + inner.type());
            }
            t.checkFields(inner, at + ".layer");
            int h = units(inner, at + ".layer");
            Bidirectional.Merge merge = merge(s, at);
            int index = w.recurrentCount++;
            t.recurrentParams(w, h, index, "", at);
            t.recurrentParams(w, h, index, "_reverse", at);
            w.width = merge == Bidirectional.Merge.CONCAT ? 2L * h : h;
            w.sequence = inner.returnsSequences();
        }
    },
    GLOBAL_AVERAGE_POOLING_1D("GlobalAveragePooling1D", Set.of()) {
        @Override
        Layer build(LayerSpec s) {
            return new GlobalAveragePooling1D();
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            w.needSequence(this, at);
            w.sequence = false;
        }
    },
    GLOBAL_MAX_POOLING_1D("GlobalMaxPooling1D", Set.of()) {
        @Override
        Layer build(LayerSpec s) {
            return new GlobalMaxPooling1D();
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            w.needSequence(this, at);
            w.sequence = false;
        }
    },
    DROPOUT("Dropout", Set.of("rate")) {
        @Override
        Layer build(LayerSpec s) {
            return new Dropout(s.rate());
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            rate(s, at);
        }
    },
    SPATIAL_DROPOUT_1D("SpatialDropout1D", Set.of("rate")) {
        @Override
        Layer build(LayerSpec s) {
            return new SpatialDropout1D(s.rate());
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            w.needSequence(this, at);
            rate(s, at);
        }
    },
    DENSE("Dense", Set.of("units", "activation")) {
        @Override
        Layer build(LayerSpec s) {
            return new Dense(s.units(), activation(s, "?"));
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            int units = units(s, at);
            activation(s, at);
            String prefix = w.denseCount == 0 ? "fc" : "fc" + w.denseCount;
            w.denseCount++;
            w.put(prefix + ".weight", at, units, w.width);
            w.put(prefix + ".bias", at, units);
            w.width = units;
        }
    },
    /**
     * A Dense on every real step: named as the Dense it wraps ({@code fc.*}, {@code fc1.*}, ... in
     * Dense order), as a PyTorch model's {@code self.fc(rnn_output)} is. At the end of the list it
     * is the model's per-step head, K = its units, and no classifier head is appended.
     */
    TIME_DISTRIBUTED("TimeDistributed", Set.of("layer")) {
        @Override
        Layer build(LayerSpec s) {
            return new TimeDistributed((Dense) DENSE.build(s.layer()));
        }

        @Override
        void walk(LayerSpec s, Walk w, String at) {
            if (!w.sequence) {
                throw new ArchitectureException(at + ": TimeDistributed applies its layer to every step of a sequence, but the previous "
                        + "layer returns one vector per sequence (None, " + w.width + "): set \"return_sequences\": true on the "
                        + "recurrent layer before it");
            }
            LayerSpec inner = s.layer();
            if (inner == null) throw new ArchitectureException(at + ": TimeDistributed needs \"layer\" (a Dense)");
            LayerType t = parse(inner.type(), at + ".layer");
            if (t != DENSE) throw new ArchitectureException(at + ": TimeDistributed wraps a Dense, received: " + inner.type());
            t.checkFields(inner, at + ".layer");
            DENSE.walk(inner, w, at + ".layer");
            w.sequence = true;
        }
    };

    /** The Keras class name, as written in the architecture JSON. */
    public final String kerasName;
    /** Gates per recurrent cell (G), 0 for layers that are not recurrent cells. */
    final int gates;
    private final Set<String> fields;

    LayerType(String kerasName, int gates) {
        this(kerasName, gates, Set.of("units", "return_sequences"));
    }

    LayerType(String kerasName, Set<String> fields) {
        this(kerasName, 0, fields);
    }

    LayerType(String kerasName, int gates, Set<String> fields) {
        this.kerasName = kerasName;
        this.gates = gates;
        this.fields = fields;
    }

    /** The nn layer for a spec that {@link #walk} accepted. Recurrent rows are built here, the others override. */
    Layer build(LayerSpec s) {
        boolean rs = s.returnsSequences();
        return switch (this) {
            case SIMPLE_RNN -> new SimpleRNN(s.units(), rs);
            case LSTM -> new org.jrnn.nn.LSTM(s.units(), rs);
            case GRU -> new org.jrnn.nn.GRU(s.units(), rs);
            default -> throw new IllegalStateException("internal error: no nn layer for " + kerasName);
        };
    }

    /**
     * Validates the spec at position {@code at} for the input described by {@code w}, adds its
     * parameters to {@code w} and updates the width and sequence flag to this layer's output.
     * Recurrent rows are handled here, the others override.
     */
    void walk(LayerSpec s, Walk w, String at) {
        w.needSequence(this, at);
        int h = units(s, at);
        recurrentParams(w, h, w.recurrentCount++, "", at);
        w.width = h;
        w.sequence = s.returnsSequences();
    }

    private void recurrentParams(Walk w, int h, int index, String suffix, String at) {
        long gh = (long) gates * h;
        String s = "_l" + index + suffix;
        w.put("rnn.weight_ih" + s, at, gh, w.width);
        w.put("rnn.weight_hh" + s, at, gh, h);
        w.put("rnn.bias_ih" + s, at, gh);
        w.put("rnn.bias_hh" + s, at, gh);
    }

    /** Refuses fields this type does not take, naming them (a typo must not be silently ignored). */
    void checkFields(LayerSpec s, String at) {
        List<String> set = new ArrayList<>();
        if (s.units() != null) set.add("units");
        if (s.returnSequences() != null) set.add("return_sequences");
        if (s.layer() != null) set.add("layer");
        if (s.mergeMode() != null) set.add("merge_mode");
        if (s.rate() != null) set.add("rate");
        if (s.activation() != null) set.add("activation");
        for (String f : set) {
            if (!fields.contains(f)) {
                throw new ArchitectureException(at + ": " + kerasName + " does not take \"" + f + "\""
                        + (fields.isEmpty() ? " (it has no settings)" : " (it takes " + quoted(fields) + ")"));
            }
        }
    }

    /** The row for a Keras name; unknown names are refused with the list of known ones. */
    public static LayerType parse(String type, String at) {
        if (type == null) throw new ArchitectureException(at + ": missing \"type\"");
        for (LayerType t : values()) {
            if (t.kerasName.equals(type)) return t;
        }
        throw new ArchitectureException(at + ": unknown layer type '" + type + "', expected one of " + names());
    }

    static LayerType of(String type) {
        return parse(type, "?");
    }

    /** The Keras names jrnn builds, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(t -> t.kerasName).collect(Collectors.joining(", "));
    }

    private static String quoted(Set<String> fields) {
        return fields.stream().sorted().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
    }

    static int units(LayerSpec s, String at) {
        if (s.units() == null) throw new ArchitectureException(at + ": missing \"units\"");
        if (s.units() < 1) throw new ArchitectureException(at + ": units must be >= 1, received: " + s.units());
        return s.units();
    }

    static double rate(LayerSpec s, String at) {
        if (s.rate() == null) throw new ArchitectureException(at + ": missing \"rate\"");
        double r = s.rate();
        if (!(r >= 0 && r < 1)) throw new ArchitectureException(at + ": rate must be in [0, 1), received: " + r);
        return r;
    }

    /** A Dense's activation; absent means linear (what files written before the field mean). */
    static Dense.Activation activation(LayerSpec s, String at) {
        if (s.activation() == null) return Dense.Activation.LINEAR;
        Dense.Activation a = Dense.Activation.of(s.activation());
        if (a == null) {
            throw new ArchitectureException(at + ": unknown activation '" + s.activation() + "', expected one of linear, relu, tanh, sigmoid");
        }
        return a;
    }

    private static Bidirectional.Merge merge(LayerSpec s, String at) {
        if (s.mergeMode() == null) return Bidirectional.Merge.CONCAT;
        for (Bidirectional.Merge m : Bidirectional.Merge.values()) {
            if (m.name().equalsIgnoreCase(s.mergeMode())) return m;
        }
        throw new ArchitectureException(at + ": unknown merge_mode '" + s.mergeMode() + "', expected one of concat, sum, mean, mul");
    }

    /** The running state of a walk over a layer list: the current output and the parameters so far. */
    static final class Walk {
        final Map<String, int[]> params;
        long width;
        boolean sequence = true;
        int recurrentCount;
        int denseCount;

        Walk(Map<String, int[]> params, long width) {
            this.params = params;
            this.width = width;
        }

        void needSequence(LayerType t, String at) {
            if (!sequence) {
                throw new ArchitectureException(at + ": " + t.kerasName + " expects a sequence input (None, None, " + width
                        + "), but the previous layer returns (None, " + width + "): set \"return_sequences\": true on the "
                        + "recurrent layer before it");
            }
        }

        void put(String name, String at, long... shape) {
            int[] s = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] > Integer.MAX_VALUE - 8) throw new ArchitectureException(at + ": layer too large (" + shape[i] + ")");
                s[i] = (int) shape[i];
            }
            params.put(name, s);
        }
    }
}
