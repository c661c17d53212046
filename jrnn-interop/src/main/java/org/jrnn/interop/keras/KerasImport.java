// Keras Sequential text classifier → jrnn model: one mapping per Keras layer class (which Keras tensor
// becomes which PyTorch-layout parameter, with the transposes and the GRU gate reorder written out, a shape
// check per tensor), anything else refused by name. Reads the config and the weights only: no Lambda, no
// custom object, nothing from the file is ever run. The mapping table is docs/FORMAT.md "Keras import".
package org.jrnn.interop.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jrnn.data.TextField;
import org.jrnn.io.SavedModel;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.LayerSpec;
import org.jrnn.nn.Dense;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;

/**
 * Imports a Keras 3 {@code .keras} or Keras 2 / tf.keras {@code .h5} Sequential model:
 * [InputLayer] [TextVectorization] Embedding, then SimpleRNN / LSTM / GRU (reset_after) /
 * Bidirectional (concat, sum, ave, mul) / Dropout / SpatialDropout1D / GlobalAveragePooling1D /
 * GlobalMaxPooling1D / Dense (linear), ending in Dense with softmax (jrnn's classifier head).
 */
public final class KerasImport {

    /** Parameters a Keras model may hold: 1 GiB of float32, as a .jrnn file. */
    static final long MAX_PARAMS = KerasFile.MAX_WEIGHTS_BYTES / Float.BYTES;

    private KerasImport() {}

    /** One row of the import summary: the Keras layer, its parameter count as Keras counts it, the jrnn parameters it became. */
    public record Row(String layer, String kerasClass, long kerasParams, String jrnnParams) {}

    /** The imported model, the summary rows and notes on what differs from the Keras model (empty when nothing). */
    public record Result(SavedModel model, List<Row> rows, List<String> notes) {

        /** The summary as a table. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            String fmt = "%-26s %-24s %12s  %s%n";
            sb.append(String.format(Locale.ROOT, fmt, "Keras layer", "class", "Keras params", "jrnn parameters"));
            sb.append("-".repeat(100)).append(System.lineSeparator());
            long total = 0;
            for (Row r : rows) {
                total += r.kerasParams();
                sb.append(String.format(Locale.ROOT, fmt, r.layer(), r.kerasClass(), String.format(Locale.ROOT, "%,d", r.kerasParams()), r.jrnnParams()));
            }
            sb.append("-".repeat(100)).append(System.lineSeparator());
            sb.append(String.format(Locale.ROOT, "Total params (Keras count): %,d; stored by jrnn (PyTorch layout): %,d%n", total,
                    model.model().paramCount()));
            return sb.toString();
        }
    }

    /**
     * Reads {@code file} and builds the jrnn model.
     *
     * @param vocabFile a vocabulary file (one token per line, line 1 empty, line 2 [UNK]) for files that store
     *     none (every .h5; a .keras without TextVectorization), or null; it replaces a stored one
     * @param classNames class names in output order, or null for "0", "1", ...
     * @throws KerasFormatException (one line naming the file, and the layer and its class where one is at fault)
     * @throws IOException for failures of the disk itself
     */
    public static Result read(Path file, Path vocabFile, List<String> classNames) throws IOException {
        try (KerasFile k = KerasFile.open(file)) {
            return new Importer(k).run(vocabFile, classNames);
        }
    }

    // ---------------------------------------------------------------- the walk over the layer list

    /** Where one weight-holding Keras layer's tensors go, filled in by the walk, read after the spec checks out. */
    private record Planned(String name, String cls, String path, Cell cell, int width, int units, int mergeCount,
                           boolean gruBias2, boolean useBias) {}

    private enum Cell { EMBEDDING, RNN, BIDIRECTIONAL, DENSE }

    private static final Set<String> RNN_CLASSES = Set.of("SimpleRNN", "LSTM", "GRU");

    private static final class Importer {
        private final KerasFile k;
        private final String where;
        private final List<LayerSpec> layers = new ArrayList<>();
        private final List<Planned> planned = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final Map<String, Integer> usedPaths = new HashMap<>();
        private final List<String> claimedPaths = new ArrayList<>();
        private JsonNode textVectorization;
        private String textVectorizationPath;
        private int vocabSize = -1;
        private int embeddingDim;
        private boolean maskZero;
        private int width;
        private boolean sequence;
        /** What produced the current sequence, for GlobalMaxPooling1D (see there). */
        private String sequenceSource;
        private int numClasses = -1;
        /** The output layer's activation: softmax, or a sigmoid / linear head kept as such (prediction only). */
        private String outputActivation = "softmax";

        Importer(KerasFile k) {
            this.k = k;
            this.where = k.where;
        }

        Result run(Path vocabFile, List<String> classNames) throws IOException {
            List<JsonNode> list = layerList();
            for (int i = 0; i < list.size(); i++) layer(list.get(i), i == list.size() - 1);
            if (numClasses < 0) throw new KerasFormatException(where, "the model has no layers after the Embedding");
            ModelSpec spec = new ModelSpec(embeddingDim, maskZero, layers).withOutputActivation(outputActivation);
            TextVectorizer vectorizer = vocabulary(vocabFile);
            int v = vectorizer.size();
            Map<String, int[]> shapes;
            try {
                shapes = spec.paramShapes(v, numClasses);
            } catch (ArchitectureException e) {
                throw new KerasFormatException(where, "jrnn cannot build this model: " + e.getMessage(), e);
            }
            long params = 0;
            for (int[] s : shapes.values()) params += (long) s[0] * (s.length > 1 ? s[1] : 1);
            // The file must hold every float the config promises: a config declaring a huge layer over a small
            // file is refused before the model is allocated.
            if (params > MAX_PARAMS || 4 * params > k.weightsBytes) {
                throw new KerasFormatException(where, "the config declares " + params + " parameters but the weights hold "
                        + k.weightsBytes + " bytes");
            }
            List<String> names = classNames != null ? List.copyOf(classNames) : defaultClassNames(numClasses);
            if (names.size() != numClasses) {
                throw new KerasFormatException(where, "the model has " + numClasses + " outputs but " + names.size() + " class names were given");
            }
            checkWeightGroups();
            Sequential model = spec.buildForWeights(v, numClasses);
            Map<String, Param> byName = model.stateDict();
            Iterator<Map.Entry<String, int[]>> jrnn = shapes.entrySet().iterator();
            List<Row> rows = new ArrayList<>();
            for (Planned p : planned) rows.add(fill(p, jrnn, byName, v));
            if (jrnn.hasNext()) throw new IllegalStateException("internal error: jrnn parameters left unfilled: " + jrnn.next().getKey());
            SavedModel saved;
            try {
                saved = SavedModel.of(spec, vectorizer, TextField.TITLE_AND_DESCRIPTION, names, model);
            } catch (IllegalArgumentException e) {
                throw new KerasFormatException(where, e.getMessage(), e);
            }
            return new Result(saved, rows, notes);
        }

        /** The Sequential model's layer list; Functional models and subclassed ones are refused. */
        private List<JsonNode> layerList() {
            JsonNode root = k.config;
            String cls = root.path("class_name").asText("");
            if (!cls.equals("Sequential")) {
                throw new KerasFormatException(where, "the model is a " + (cls.isEmpty() ? "model without class_name" : "'" + cls + "'")
                        + "; jrnn imports Keras Sequential models only");
            }
            if (root.hasNonNull("registered_name") && !root.get("registered_name").asText().equals("Sequential")
                    && !root.get("registered_name").isNull()) {
                throw new KerasFormatException(where, "the model is a custom class '" + root.get("registered_name").asText() + "'");
            }
            JsonNode cfg = root.path("config");
            JsonNode layers = cfg.isArray() ? cfg : cfg.path("layers"); // Keras 2.0-2.2 stored the list itself
            if (!layers.isArray() || layers.isEmpty()) throw new KerasFormatException(where, "the Sequential config has no \"layers\" list");
            List<JsonNode> out = new ArrayList<>();
            layers.forEach(out::add);
            return out;
        }

        private void layer(JsonNode node, boolean last) {
            String cls = node.path("class_name").asText("?");
            JsonNode c = node.path("config");
            String name = c.path("name").asText("?");
            String at = "layer '" + name + "' (" + cls + ")";
            if (!c.isObject()) throw new KerasFormatException(where, at + ": no config object");
            String module = node.path("module").asText("keras.layers");
            if (node.hasNonNull("registered_name") && !node.get("registered_name").asText().equals(cls)
                    || !(module.equals("keras.layers") || module.startsWith("keras.src.layers") || module.equals("keras"))) {
                throw new KerasFormatException(where, at + ": a custom layer (" + module + "." + node.path("registered_name").asText(cls)
                        + "); jrnn never runs code from a model file");
            }
            boolean beforeEmbedding = vocabSize < 0;
            if (!beforeEmbedding && numClasses >= 0) throw new KerasFormatException(where, at + ": layers after the output Dense layer are not supported");
            switch (cls) {
                case "InputLayer" -> {
                    if (!beforeEmbedding || textVectorization != null) throw new KerasFormatException(where, at + ": an InputLayer must come first");
                }
                case "TextVectorization" -> {
                    if (!beforeEmbedding || textVectorization != null) throw new KerasFormatException(where, at + ": must come before the Embedding");
                    textVectorization = c;
                    textVectorizationPath = kerasPath(cls);
                    checkTextVectorization(c, at);
                }
                case "Embedding" -> embedding(c, at, name, cls);
                case "SimpleRNN", "LSTM", "GRU" -> {
                    needEmbedding(at);
                    needSequence(at);
                    checkCell(cls, c, at, false);
                    int units = units(c, at);
                    boolean rs = c.path("return_sequences").asBoolean(false);
                    layers.add(LayerSpec.rnn(cls, units, rs));
                    planned.add(new Planned(name, cls, kerasPath(cls), Cell.RNN, width, units, 1, cls.equals("GRU"), useBias(c)));
                    width = units;
                    sequence = rs;
                    sequenceSource = c.path("zero_output_for_mask").asBoolean(false) ? "zeroed" : "rnn";
                }
                case "Bidirectional" -> bidirectional(c, at, name, cls);
                case "Dropout", "SpatialDropout1D" -> {
                    needEmbedding(at);
                    double rate = c.path("rate").asDouble(-1);
                    if (!(rate >= 0 && rate < 1)) throw new KerasFormatException(where, at + ": rate must be in [0, 1), found " + c.path("rate"));
                    if (cls.equals("SpatialDropout1D")) needSequence(at);
                    // Identity at inference; kept as a jrnn layer with its rate so that training on continues as in Keras.
                    layers.add(new LayerSpec(cls, null, null, null, null, rate));
                    kerasPath(cls);
                }
                case "GlobalAveragePooling1D", "GlobalMaxPooling1D" -> {
                    needEmbedding(at);
                    needSequence(at);
                    if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
                        throw new KerasFormatException(where, at + ": data_format " + c.path("data_format").asText() + " (jrnn pools over time, channels_last)");
                    }
                    if (c.path("keepdims").asBoolean(false)) throw new KerasFormatException(where, at + ": keepdims=true is not supported");
                    // Keras' GlobalMaxPooling1D takes no mask: padded steps count. That equals jrnn's max over the real
                    // steps only where padded steps repeat the last real output: a standalone SimpleRNN/LSTM/GRU
                    // (masked steps carry the previous output). Bidirectional outputs zeros there, an Embedding its row 0.
                    if (cls.equals("GlobalMaxPooling1D") && maskZero && !sequenceSource.equals("rnn")) {
                        throw new KerasFormatException(where, at + ": after " + describeSource() + " on a masked sequence, Keras' "
                                + "GlobalMaxPooling1D also takes the padded steps (" + (sequenceSource.equals("embedding") ? "embedding row 0" : "zeros")
                                + ") into the max, which jrnn does not reproduce; GlobalAveragePooling1D or a recurrent layer's last state import fine");
                    }
                    layers.add(LayerSpec.of(cls));
                    kerasPath(cls);
                    sequence = false;
                }
                case "Dense" -> dense(c, at, name, cls, last);
                default -> throw new KerasFormatException(where, at + ": not supported; jrnn imports " + SUPPORTED
                        + (cls.equals("Lambda") ? ", and never runs code from a model file" : ""));
            }
        }

        private static final String SUPPORTED = "InputLayer, TextVectorization, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dropout, "
                + "SpatialDropout1D, GlobalAveragePooling1D, GlobalMaxPooling1D and Dense";

        private String describeSource() {
            return switch (sequenceSource) {
                case "embedding" -> "the Embedding";
                case "zeroed" -> "a recurrent layer with zero_output_for_mask=true";
                default -> "a Bidirectional layer";
            };
        }

        private void embedding(JsonNode c, String at, String name, String cls) {
            if (vocabSize >= 0) throw new KerasFormatException(where, at + ": a second Embedding is not supported");
            vocabSize = intField(c, "input_dim", at, 2);
            embeddingDim = intField(c, "output_dim", at, 1);
            maskZero = c.path("mask_zero").asBoolean(false);
            if (c.hasNonNull("lora_rank")) throw new KerasFormatException(where, at + ": lora_rank is not supported");
            planned.add(new Planned(name, cls, kerasPath(cls), Cell.EMBEDDING, vocabSize, embeddingDim, 1, false, false));
            width = embeddingDim;
            sequence = true;
            sequenceSource = "embedding";
        }

        private void bidirectional(JsonNode c, String at, String name, String cls) {
            needEmbedding(at);
            needSequence(at);
            String mode = c.path("merge_mode").isNull() ? "None" : c.path("merge_mode").asText("concat");
            String jrnnMode = switch (mode) {
                case "concat", "sum", "mul" -> mode;
                case "ave" -> "mean";
                default -> throw new KerasFormatException(where, at + ": merge_mode " + mode + " is not supported (concat, sum, ave, mul are)");
            };
            JsonNode inner = c.path("layer");
            String innerCls = inner.path("class_name").asText("?");
            JsonNode ic = inner.path("config");
            String innerAt = at + " wrapping '" + ic.path("name").asText("?") + "' (" + innerCls + ")";
            if (!RNN_CLASSES.contains(innerCls)) throw new KerasFormatException(where, innerAt + ": Bidirectional imports SimpleRNN, LSTM or GRU only");
            checkCell(innerCls, ic, innerAt, false);
            int units = units(ic, innerAt);
            boolean rs = ic.path("return_sequences").asBoolean(false);
            JsonNode back = c.path("backward_layer");
            if (!back.isMissingNode() && !back.isNull()) {
                // Keras writes the backward copy too; jrnn builds it from the forward one, so it must be that copy.
                JsonNode bc = back.path("config");
                String backAt = at + " backward_layer '" + bc.path("name").asText("?") + "' (" + back.path("class_name").asText("?") + ")";
                if (!back.path("class_name").asText("").equals(innerCls) || bc.path("units").asInt(-1) != units
                        || bc.path("return_sequences").asBoolean(false) != rs || !bc.path("go_backwards").asBoolean(false)) {
                    throw new KerasFormatException(where, backAt + ": differs from the forward layer (jrnn runs the same cell type, units and "
                            + "return_sequences backwards)");
                }
                checkCell(innerCls, bc, backAt, true);
            }
            String path = kerasPath(cls);
            layers.add(LayerSpec.bidirectional(LayerSpec.rnn(innerCls, units, rs), jrnnMode));
            planned.add(new Planned(name, cls + "(" + innerCls + ")", path, Cell.BIDIRECTIONAL, width, units, 2, innerCls.equals("GRU"),
                    useBias(ic)));
            width = mode.equals("concat") ? 2 * units : units;
            sequence = rs;
            sequenceSource = "bidirectional";
        }

        private void dense(JsonNode c, String at, String name, String cls, boolean last) {
            needEmbedding(at);
            if (sequence) {
                throw new KerasFormatException(where, at + ": applied to a sequence; jrnn's Dense follows a recurrent layer's last state or a pooling layer");
            }
            int units = units(c, at);
            String act = c.path("activation").asText("linear");
            if (c.hasNonNull("lora_rank")) throw new KerasFormatException(where, at + ": lora_rank is not supported");
            if (last) {
                // A sigmoid (binary, multi-label) or linear head is kept as such: jrnn predicts with it, training needs softmax.
                if (!List.of("softmax", "sigmoid", "linear").contains(act)) {
                    throw new KerasFormatException(where, at + ": activation '" + act + "' on the output layer is not supported "
                            + "(softmax, sigmoid and linear are)");
                }
                if (act.equals("softmax") && units < 2) throw new KerasFormatException(where, at + ": a softmax head needs at least 2 units");
                numClasses = units;
                outputActivation = act;
            } else {
                if (Dense.Activation.of(act) == null) {
                    throw new KerasFormatException(where, at + ": activation '" + act + "' on a hidden Dense layer is not supported "
                            + "(linear, relu, tanh and sigmoid are)");
                }
                layers.add(LayerSpec.dense(units, act));
            }
            planned.add(new Planned(name, cls, kerasPath(cls), Cell.DENSE, width, units, 1, false, useBias(c)));
            width = units;
        }

        /** Cell settings jrnn reproduces; {@code backward} for a Bidirectional's backward copy (go_backwards=true there). */
        private void checkCell(String cls, JsonNode c, String at, boolean backward) {
            if (c.path("go_backwards").asBoolean(false) != backward) {
                throw new KerasFormatException(where, at + ": go_backwards=" + !backward + " on a " + (backward ? "Bidirectional's backward" : "standalone")
                        + " layer is not supported (Keras returns its outputs in reversed time order); wrap the layer in Bidirectional instead");
            }
            for (String flag : List.of("return_state", "stateful", "time_major")) {
                if (c.path(flag).asBoolean(false)) throw new KerasFormatException(where, at + ": " + flag + "=true is not supported");
            }
            String act = c.path("activation").asText("tanh");
            if (!act.equals("tanh")) throw new KerasFormatException(where, at + ": activation '" + act + "' is not supported (jrnn's cells use tanh)");
            if (!cls.equals("SimpleRNN")) {
                String ra = c.path("recurrent_activation").asText("sigmoid");
                if (!ra.equals("sigmoid")) {
                    throw new KerasFormatException(where, at + ": recurrent_activation '" + ra + "' is not supported (jrnn's gates use sigmoid)");
                }
            }
            if (cls.equals("GRU") && !c.path("reset_after").asBoolean(true)) {
                throw new KerasFormatException(where, at + ": reset_after=false is a different GRU formula (reset gate before the recurrent "
                        + "product); jrnn implements reset_after=true, the Keras 2.x+ and PyTorch one");
            }
            if (cls.equals("LSTM") && c.has("implementation") && !c.path("implementation").canConvertToInt()) {
                throw new KerasFormatException(where, at + ": unreadable implementation setting");
            }
        }

        private void checkTextVectorization(JsonNode c, String at) {
            Map<String, String> required = Map.of("standardize", "lower_and_strip_punctuation", "split", "whitespace", "output_mode", "int");
            for (Map.Entry<String, String> e : required.entrySet()) {
                String v = c.path(e.getKey()).isNull() ? "None" : c.path(e.getKey()).asText(e.getValue());
                if (!v.equals(e.getValue())) {
                    throw new KerasFormatException(where, at + ": " + e.getKey() + "=" + v + " is not supported (jrnn's vectorizer does "
                            + e.getKey() + "=" + e.getValue() + ")");
                }
            }
            if (c.hasNonNull("ngrams")) throw new KerasFormatException(where, at + ": ngrams=" + c.get("ngrams") + " is not supported");
            if (c.path("sparse").asBoolean(false)) throw new KerasFormatException(where, at + ": sparse=true is not supported");
        }

        /** The vocabulary: --vocab FILE, else the one TextVectorization stored, else a one-line error. */
        private TextVectorizer vocabulary(Path vocabFile) throws IOException {
            TextVectorizer tv;
            if (vocabFile != null) {
                try {
                    tv = TextVectorizer.readVocabulary(vocabFile);
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new KerasFormatException(vocabFile.toString(), "file not found", e);
                } catch (IllegalArgumentException e) {
                    throw new KerasFormatException(vocabFile.toString(), e.getMessage(), e);
                }
            } else {
                List<String> vocab = storedVocabulary();
                if (vocab == null) {
                    throw new KerasFormatException(where, (textVectorization == null ? "the model has no TextVectorization layer"
                            : ".h5 files do not store TextVectorization's vocabulary") + ", so jrnn does not know the tokens: pass --vocab FILE "
                            + "(one token per line: an empty line, [UNK], then the rest, as get_vocabulary() lists them)");
                }
                try {
                    tv = TextVectorizer.fromVocabulary(vocab);
                } catch (IllegalArgumentException e) {
                    throw new KerasFormatException(where, "TextVectorization vocabulary: " + e.getMessage(), e);
                }
            }
            if (tv.size() > vocabSize) {
                throw new KerasFormatException(where, "the vocabulary has " + tv.size() + " entries but the Embedding only " + vocabSize
                        + " rows (input_dim)");
            }
            if (tv.size() < vocabSize) {
                notes.add("the Embedding has " + vocabSize + " rows, the vocabulary " + tv.size() + ": rows " + tv.size() + ".." + (vocabSize - 1)
                        + " are never looked up and are dropped");
            }
            if (textVectorization != null && textVectorization.hasNonNull("output_sequence_length")) {
                int n = textVectorization.get("output_sequence_length").asInt();
                if (!maskZero) {
                    throw new KerasFormatException(where, "TextVectorization output_sequence_length=" + n + " pads every text to " + n
                            + " tokens and the Embedding does not mask them; jrnn pads per batch, so the outputs would differ");
                }
                notes.add("TextVectorization cuts texts at " + n + " tokens (output_sequence_length); jrnn reads texts whole "
                        + "(padding is masked, so shorter texts give the same outputs)");
            }
            return tv;
        }

        private List<String> storedVocabulary() {
            if (textVectorization == null) return null;
            JsonNode inline = textVectorization.path("vocabulary");
            if (inline.isArray()) {
                // A vocabulary given to the constructor is stored in the config, without "" and [UNK] (index_lookup.py).
                List<String> v = new ArrayList<>(List.of(TextVectorizer.PAD_TOKEN, TextVectorizer.OOV_TOKEN));
                inline.forEach(n -> v.add(n.asText()));
                if (v.size() > 2 && v.get(2).equals(TextVectorizer.PAD_TOKEN)) v.subList(0, 2).clear(); // stored with them after all
                return v;
            }
            String text = k.vocabularies.get(textVectorizationPath);
            if (text == null) text = k.vocabularies.get(textVectorizationPath + "/_lookup_layer");
            if (text == null) return null;
            // index_lookup.py load_assets: lines, trailing empty lines dropped (the first, "" = padding, stays).
            List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            while (lines.size() > 1 && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
            return lines;
        }

        // ---------------------------------------------------------------- weights

        /** .keras: refuses weight groups under "layers/" that no layer of the config claims. */
        private void checkWeightGroups() {
            if (!k.format.equals("keras")) {
                List<String> names = k.h5LayerNames();
                for (Planned p : planned) {
                    if (!names.contains(p.name())) throw new KerasFormatException(where, "layer '" + p.name() + "' (" + p.cls() + "): not in layer_names");
                }
                return;
            }
            for (String g : k.kerasLayerGroups()) {
                if (!claimedPaths.contains("layers/" + g)) {
                    throw new KerasFormatException(where, KerasFile.WEIGHTS + ": weights layers/" + g + " belong to no layer of " + KerasFile.CONFIG);
                }
            }
        }

        /** saving_lib.py: a layer's group is its class in snake case, "_1", "_2", ... for repeats, in Sequential.layers order. */
        private String kerasPath(String cls) {
            String base = snakeCase(cls);
            Integer n = usedPaths.get(base);
            usedPaths.put(base, n == null ? 0 : n + 1);
            String path = "layers/" + (n == null ? base : base + "_" + (n + 1));
            claimedPaths.add(path);
            return path;
        }

        private Row fill(Planned p, Iterator<Map.Entry<String, int[]>> jrnn, Map<String, Param> params, int vocab) {
            List<String> names = new ArrayList<>();
            long kerasCount = 0;
            switch (p.cell()) {
                case EMBEDDING -> {
                    List<KerasFile.Tensor> t = tensors(p, "", 1);
                    float[] w = k.read(t.get(0), p.width(), p.units()); // (input_dim, E)
                    kerasCount = w.length;
                    Param e = next(jrnn, params, names);
                    System.arraycopy(w, 0, e.data, 0, vocab * p.units()); // rows past the vocabulary are never looked up
                }
                case RNN -> kerasCount = cell(p, p.cls(), tensors(p, "/cell", p.useBias() ? 3 : 2), jrnn, params, names);
                case BIDIRECTIONAL -> {
                    String inner = p.cls().substring(p.cls().indexOf('(') + 1, p.cls().length() - 1);
                    int n = p.useBias() ? 3 : 2;
                    List<KerasFile.Tensor> fwd;
                    List<KerasFile.Tensor> bwd;
                    if (k.format.equals("keras")) {
                        fwd = k.kerasVars(p.path() + "/forward_layer/cell", n);
                        bwd = k.kerasVars(p.path() + "/backward_layer/cell", n);
                    } else { // legacy_h5_format: the forward layer's weights, then the backward layer's
                        List<KerasFile.Tensor> all = k.h5Weights(p.name(), 2 * n);
                        fwd = all.subList(0, n);
                        bwd = all.subList(n, 2 * n);
                    }
                    kerasCount = cell(p, inner, fwd, jrnn, params, names) + cell(p, inner, bwd, jrnn, params, names);
                }
                case DENSE -> {
                    List<KerasFile.Tensor> t = tensors(p, "", p.useBias() ? 2 : 1);
                    float[] kernel = k.read(t.get(0), p.width(), p.units()); // (in, out)
                    transposeInto(kernel, p.width(), p.units(), next(jrnn, params, names).data);
                    Param b = next(jrnn, params, names);
                    if (p.useBias()) System.arraycopy(k.read(t.get(1), p.units()), 0, b.data, 0, p.units());
                    kerasCount = (long) p.width() * p.units() + (p.useBias() ? p.units() : 0);
                }
            }
            return new Row(p.name(), p.cls(), kerasCount, String.join(", ", names));
        }

        private List<KerasFile.Tensor> tensors(Planned p, String sub, int count) {
            if (k.format.equals("keras")) {
                if (p.cell() == Cell.RNN) k.kerasVars(p.path(), 0); // the layer's own (empty) vars group, allowed
                return k.kerasVars(p.path() + sub, count);
            }
            return k.h5Weights(p.name(), count);
        }

        /**
         * One recurrent cell: kernel (I, G·H) → weight_ih (G·H, I) and recurrent_kernel (H, G·H) →
         * weight_hh (G·H, H), transposed; LSTM gates i|f|c|o = torch i|f|g|o, one bias → bias_ih
         * (bias_hh stays 0); GRU (reset_after) gates z|r|h → torch r|z|n, bias (2, 3H) = [bias_ih; bias_hh].
         */
        private long cell(Planned p, String cls, List<KerasFile.Tensor> t, Iterator<Map.Entry<String, int[]>> jrnn,
                          Map<String, Param> params, List<String> names) {
            int g = switch (cls) {
                case "LSTM" -> 4;
                case "GRU" -> 3;
                default -> 1;
            };
            int h = p.units();
            int in = p.width();
            int gh = g * h;
            float[] kernel = k.read(t.get(0), in, gh);
            float[] recurrent = k.read(t.get(1), h, gh);
            Param wIh = next(jrnn, params, names);
            Param wHh = next(jrnn, params, names);
            Param bIh = next(jrnn, params, names);
            Param bHh = next(jrnn, params, names);
            transposeInto(kernel, in, gh, wIh.data);
            transposeInto(recurrent, h, gh, wHh.data);
            long count = kernel.length + recurrent.length;
            if (p.useBias()) {
                if (cls.equals("GRU")) {
                    float[] bias = k.read(t.get(2), 2, gh); // (2, 3H): input bias, recurrent bias
                    System.arraycopy(bias, 0, bIh.data, 0, gh);
                    System.arraycopy(bias, gh, bHh.data, 0, gh);
                } else {
                    System.arraycopy(k.read(t.get(2), gh), 0, bIh.data, 0, gh); // bias_hh stays 0: b_ih + b_hh = Keras' bias
                }
                count += cls.equals("GRU") ? 2L * gh : gh;
            }
            if (cls.equals("GRU")) {
                for (Param q : List.of(wIh, wHh, bIh, bHh)) swapFirstBlocks(q.data, h, q.data.length / gh);
            }
            return count;
        }

        private Param next(Iterator<Map.Entry<String, int[]>> jrnn, Map<String, Param> params, List<String> names) {
            if (!jrnn.hasNext()) throw new IllegalStateException("internal error: more Keras tensors than jrnn parameters");
            Map.Entry<String, int[]> e = jrnn.next();
            names.add(e.getKey() + " " + Arrays.toString(e.getValue()).replace(" ", ""));
            return params.get(e.getKey());
        }

        // ---------------------------------------------------------------- checks

        private void needEmbedding(String at) {
            if (vocabSize < 0) throw new KerasFormatException(where, at + ": jrnn models start with an Embedding (token ids in)");
        }

        private void needSequence(String at) {
            if (!sequence) throw new KerasFormatException(where, at + ": expects a sequence, but the layer before returns one vector per text");
        }

        private int units(JsonNode c, String at) {
            return intField(c, "units", at, 1);
        }

        private int intField(JsonNode c, String field, String at, int min) {
            JsonNode n = c.path(field);
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > (1 << 24)) {
                throw new KerasFormatException(where, at + ": " + field + " must be an integer in [" + min + ", " + (1 << 24) + "], found " + n);
            }
            return n.asInt();
        }

        private static boolean useBias(JsonNode c) {
            return c.path("use_bias").asBoolean(true);
        }
    }

    /** keras/src/utils/naming.py to_snake_case. */
    static String snakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static List<String> defaultClassNames(int k) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) names.add(Integer.toString(i));
        return names;
    }

    /** src (rows, cols) row-major → dst (cols, rows). */
    static void transposeInto(float[] src, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        }
    }

    /** Swaps the first two blocks of h rows (each of {@code cols} values): Keras GRU z|r|h ↔ torch r|z|n. */
    static void swapFirstBlocks(float[] a, int h, int cols) {
        int n = h * cols;
        for (int i = 0; i < n; i++) {
            float t = a[i];
            a[i] = a[n + i];
            a[n + i] = t;
        }
    }
}
