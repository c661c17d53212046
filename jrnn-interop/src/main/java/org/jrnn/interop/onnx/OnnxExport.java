// A jrnn model → an ONNX graph (opset 17) that computes what Sequential.predictProbabilities computes:
// token ids in, class probabilities out, masking included (each sequence's length computed in the graph
// and handed to the RNN/LSTM/GRU ops as sequence_lens). One mapping per layer type, with the gate reorders
// written out; the graph's shape and the tensor table are docs/FORMAT.md "ONNX export". Not an optimiser:
// the graph is what a reader can check against the nn classes, ONNX Runtime folds the rest.
package org.jrnn.interop.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.nn.Bidirectional;
import org.jrnn.nn.Dense;
import org.jrnn.nn.Dropout;
import org.jrnn.nn.GRU;
import org.jrnn.nn.GlobalAveragePooling1D;
import org.jrnn.nn.GlobalMaxPooling1D;
import org.jrnn.nn.LSTM;
import org.jrnn.nn.Layer;
import org.jrnn.nn.Param;
import org.jrnn.nn.RecurrentLayer;
import org.jrnn.nn.SimpleRNN;
import org.jrnn.nn.Sequential;
import org.jrnn.nn.SpatialDropout1D;

/**
 * Exports a {@link SavedModel} to ONNX. Input {@code token_ids} int64 [batch, time], padded with 0;
 * output {@code probabilities} float [batch, classes]. The vocabulary, class names and architecture are
 * in the model's {@code metadata_props} ({@link #META_VOCABULARY}, {@link #META_CLASSES}, ...).
 *
 * <p>Order of use: {@link #toBytes} for the bytes, or {@link #write} for the .onnx file and its
 * vocab.txt, both written atomically.
 */
public final class OnnxExport {
    private OnnxExport() {}

    public static final int OPSET = 17;
    /** ONNX IR version 8 is the one that goes with opset 17 (onnx/docs/Versioning.md). */
    static final long IR_VERSION = 8;
    public static final String INPUT = "token_ids";
    public static final String OUTPUT = "probabilities";
    public static final String META_VOCABULARY = "jrnn.vocabulary";
    public static final String META_CLASSES = "jrnn.classes";
    public static final String META_ARCHITECTURE = "jrnn.architecture";
    public static final String META_STANDARDIZE = "jrnn.standardize";
    public static final String META_SPLIT = "jrnn.split";
    public static final String META_TEXT_FIELD = "jrnn.text_field";

    /** ONNX gate block k comes from PyTorch block PERM[k]: LSTM i,o,f,c ← torch i,f,g,o; GRU z,r,h ← torch r,z,n. */
    static final int[] LSTM_PERM = {0, 3, 1, 2};
    static final int[] GRU_PERM = {1, 0, 2};
    static final int[] RNN_PERM = {0};

    /** What {@link #write} wrote. */
    public record Written(Path onnx, Path vocabulary, int bytes) {}

    /** Loads a .jrnn file and writes it as {@code out}, with the vocabulary at {@code vocabOut} (null: vocab.txt beside {@code out}). */
    public static Written write(Path model, Path out, Path vocabOut) throws IOException {
        return write(ModelFile.load(model), out, vocabOut);
    }

    /** Writes {@code m} as {@code out} and its vocabulary file at {@code vocabOut} (null: vocab.txt beside {@code out}). */
    public static Written write(SavedModel m, Path out, Path vocabOut) throws IOException {
        byte[] bytes = toBytes(m);
        Path vocab = vocabOut != null ? vocabOut : out.toAbsolutePath().resolveSibling("vocab.txt");
        AtomicFiles.write(out, bytes);
        AtomicFiles.write(vocab, m.vectorizer().vocabularyFileBytes());
        return new Written(out, vocab, bytes.length);
    }

    /** The ONNX ModelProto bytes of {@code m}. */
    public static byte[] toBytes(SavedModel m) {
        return Onnx.encode(toModel(m));
    }

    static Onnx.Model toModel(SavedModel m) {
        Sequential s = m.model();
        Builder b = new Builder();
        b.graph(s);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_VOCABULARY, String.join("\n", m.vectorizer().vocabulary()));
        meta.put(META_CLASSES, json(m.classNames()));
        meta.put(META_ARCHITECTURE, m.architecture().toJson());
        meta.put(META_STANDARDIZE, ModelFile.STANDARDIZE);
        meta.put(META_SPLIT, ModelFile.SPLIT);
        meta.put(META_TEXT_FIELD, SavedModel.textFieldName(m.textField()));
        Onnx.Graph g = new Onnx.Graph("jrnn", b.nodes, b.inits,
                List.of(new Onnx.ValueInfo(INPUT, Onnx.INT64, List.of("batch", "time"))),
                List.of(new Onnx.ValueInfo(OUTPUT, Onnx.FLOAT, List.of("batch", (long) s.outputSize()))));
        return new Onnx.Model(IR_VERSION, Map.of("", (long) OPSET), "jrnn", org.jrnn.Version.get(), g, meta);
    }

    private static String json(List<String> names) {
        try {
            return new ObjectMapper().writeValueAsString(names);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds the node list; values are named after what they hold. */
    private static final class Builder {
        final List<Onnx.Node> nodes = new ArrayList<>();
        final List<Onnx.Tensor> inits = new ArrayList<>();
        private final Map<String, Integer> used = new LinkedHashMap<>();
        /** (B) int32 sequence_lens for the RNN ops, or "" when the model is unmasked. */
        String seqLens = "";
        /** (T, B, 1) bool: step t is a real token of sequence b (masked models). */
        String mask;
        /** (B, 1) float: each sequence's length (masked models). */
        String lengthsF;

        private String fresh(String base) {
            int n = used.merge(base, 1, Integer::sum);
            return n == 1 ? base : base + "_" + n;
        }

        /** Adds a node with one output named after {@code out}; returns the output's name. */
        String op(String opType, String out, List<String> inputs, Onnx.Attribute... attrs) {
            String o = fresh(out);
            node(opType, o, inputs, List.of(o), attrs);
            return o;
        }

        void node(String opType, String name, List<String> inputs, List<String> outputs, Onnx.Attribute... attrs) {
            Map<String, Onnx.Attribute> a = new LinkedHashMap<>();
            for (Onnx.Attribute x : attrs) a.put(x.name(), x);
            nodes.add(new Onnx.Node(name, opType, "", List.copyOf(inputs), List.copyOf(outputs), a));
        }

        /** Constants by name: each is one initializer, however often it is used. */
        private final Map<String, String> constants = new LinkedHashMap<>();

        String constLongs(String name, long... v) {
            return constants.computeIfAbsent(name, n -> {
                inits.add(Onnx.Tensor.longs(n, v, v.length));
                return n;
            });
        }

        String constScalar(String name, long v) {
            return constants.computeIfAbsent(name, n -> {
                inits.add(Onnx.Tensor.longs(n, new long[] {v}));
                return n;
            });
        }

        String constFloat(String name, float v) {
            return constants.computeIfAbsent(name, n -> {
                inits.add(Onnx.Tensor.floats(n, new float[] {v}));
                return n;
            });
        }

        String init(String name, float[] v, long... dims) {
            inits.add(Onnx.Tensor.floats(name, v, dims));
            return name;
        }

        void graph(Sequential s) {
            // At least one step: jrnn feeds a batch of empty texts one padding token (PackedLayout.ofLengths).
            String shape0 = op("Shape", "input_shape", List.of(INPUT));
            String t0 = op("Slice", "input_steps", List.of(shape0, constLongs("one", 1), constLongs("two", 2)));
            String missing = op("Max", "missing_steps", List.of(op("Sub", "one_minus_steps", List.of(constLongs("one", 1), t0)), constLongs("zero", 0)));
            String pads = op("Concat", "pads", List.of(constLongs("zeros3", 0, 0, 0), missing), Onnx.Attribute.ofInt("axis", 0));
            String ids = op("Pad", "ids", List.of(INPUT, pads));
            String idsT = op("Transpose", "ids_time_major", List.of(ids), Onnx.Attribute.ofInts("perm", 1, 0)); // (T, B)
            Param emb = s.embedding().weight();
            String x = op("Gather", "embedded", List.of(init("embedding.weight", emb.data, emb.shape()[0], emb.shape()[1]), idsT)); // (T, B, E)
            if (s.embedding().maskZero()) lengths(ids);
            boolean sequence = true;
            List<Layer> layers = s.layers();
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                boolean head = i == layers.size() - 1;
                if (l instanceof RecurrentLayer r) {
                    x = recurrent(x, List.of(r), r.params(), r.returnSequences(), null);
                    sequence = r.returnSequences();
                } else if (l instanceof Bidirectional bi) {
                    RecurrentLayer f = bi.forwardLayer();
                    x = recurrent(x, List.of(f, f), bi.params(), f.returnSequences(), bi.merge());
                    sequence = f.returnSequences();
                } else if (l instanceof GlobalAveragePooling1D) {
                    x = mask != null
                            ? op("Div", "mean_pooled", List.of(op("ReduceSum", "masked_sum", List.of(op("Mul", "masked", List.of(x,
                                    op("Cast", "mask_f", List.of(mask), Onnx.Attribute.ofInt("to", Onnx.FLOAT)))), constLongs("axis0", 0)),
                                    Onnx.Attribute.ofInt("keepdims", 0)), lengthsF))
                            : op("ReduceMean", "mean_pooled", List.of(x), Onnx.Attribute.ofInts("axes", 0), Onnx.Attribute.ofInt("keepdims", 0));
                    sequence = false;
                } else if (l instanceof GlobalMaxPooling1D) {
                    if (mask != null) x = op("Where", "masked", List.of(mask, x, constFloat("minus_inf", Float.NEGATIVE_INFINITY)));
                    x = op("ReduceMax", "max_pooled", List.of(x), Onnx.Attribute.ofInts("axes", 0), Onnx.Attribute.ofInt("keepdims", 0));
                    sequence = false;
                } else if (l instanceof Dropout || l instanceof SpatialDropout1D) {
                    continue; // identity at inference
                } else if (l instanceof Dense d) {
                    Param w = d.params().get(0);
                    Param bias = d.params().get(1);
                    String prefix = w.name().substring(0, w.name().lastIndexOf('.'));
                    String wn = init(w.name(), w.data, w.shape()[0], w.shape()[1]);
                    String bn = init(bias.name(), bias.data, bias.shape()[0]);
                    if (sequence) { // row-wise on every step: x·Wᵀ + b
                        String wt = op("Transpose", prefix + ".weight_t", List.of(wn), Onnx.Attribute.ofInts("perm", 1, 0));
                        x = op("Add", prefix, List.of(op("MatMul", prefix + ".matmul", List.of(x, wt)), bn));
                    } else {
                        x = op("Gemm", head ? "logits" : prefix, List.of(x, wn, bn), Onnx.Attribute.ofInt("transB", 1));
                    }
                    if (d.activation() != Dense.Activation.LINEAR) {
                        String type = switch (d.activation()) {
                            case RELU -> "Relu";
                            case TANH -> "Tanh";
                            case SIGMOID -> "Sigmoid";
                            case LINEAR -> throw new IllegalStateException();
                        };
                        x = op(type, (head ? "logits" : prefix) + "." + d.activation().kerasName(), List.of(x));
                    }
                } else {
                    throw new IllegalStateException("internal error: no ONNX mapping for " + l);
                }
            }
            switch (s.outputActivation()) { // what predictProbabilities applies to the logits
                case SOFTMAX -> node("Softmax", "softmax", List.of(x), List.of(OUTPUT), Onnx.Attribute.ofInt("axis", 1));
                case SIGMOID -> node("Sigmoid", "sigmoid", List.of(x), List.of(OUTPUT));
                case LINEAR -> node("Identity", "identity", List.of(x), List.of(OUTPUT));
            }
        }

        /**
         * Lengths as jrnn counts them (SequenceBatch.unpaddedLength): up to the last non-zero id, so only
         * trailing padding is masked; an empty row counts as 1 (one padding token, as jrnn feeds it, which
         * also keeps the RNN ops away from sequence_lens 0).
         */
        private void lengths(String ids) {
            String steps = op("Gather", "steps", List.of(op("Shape", "ids_shape", List.of(ids)), constScalar("one_scalar", 1)),
                    Onnx.Attribute.ofInt("axis", 0)); // scalar T
            String positions = op("Range", "positions", List.of(constScalar("one_scalar", 1), op("Add", "steps_plus_one",
                    List.of(steps, constScalar("one_scalar", 1))), constScalar("one_scalar", 1))); // (T) 1..T
            String real = op("Cast", "is_token", List.of(op("Not", "is_token_bool", List.of(op("Equal", "is_pad", List.of(ids,
                    constScalar("pad_id", 0)))))), Onnx.Attribute.ofInt("to", Onnx.INT64)); // (B, T)
            String last = op("ReduceMax", "last_token", List.of(op("Mul", "token_positions", List.of(real, positions))),
                    Onnx.Attribute.ofInts("axes", 1), Onnx.Attribute.ofInt("keepdims", 0)); // (B)
            String lengths = op("Max", "lengths", List.of(last, constScalar("one_scalar", 1))); // (B) ≥ 1
            seqLens = op("Cast", "sequence_lens", List.of(lengths), Onnx.Attribute.ofInt("to", Onnx.INT32));
            String stepIndex = op("Range", "step_index", List.of(constScalar("zero_scalar", 0), steps, constScalar("one_scalar", 1)));
            mask = op("Unsqueeze", "mask", List.of(op("Less", "mask_tb", List.of(
                    op("Unsqueeze", "step_column", List.of(stepIndex, constLongs("axis1", 1))),
                    op("Unsqueeze", "lengths_row", List.of(lengths, constLongs("axis0", 0))))), constLongs("axis2", 2))); // (T, B, 1)
            lengthsF = op("Cast", "lengths_f", List.of(op("Unsqueeze", "lengths_column", List.of(lengths, constLongs("axis1", 1)))),
                    Onnx.Attribute.ofInt("to", Onnx.FLOAT)); // (B, 1)
        }

        /**
         * One ONNX RNN/LSTM/GRU node for a recurrent layer (one direction) or a Bidirectional (two, merged).
         * {@code params}: per direction weight_ih (G·H, I), weight_hh (G·H, H), bias_ih, bias_hh (G·H).
         */
        private String recurrent(String x, List<RecurrentLayer> dirs, List<Param> params, boolean returnSequences, Bidirectional.Merge merge) {
            RecurrentLayer r = dirs.get(0);
            int h = r.units();
            int d = dirs.size();
            String opType;
            int[] perm;
            if (r instanceof LSTM) {
                opType = "LSTM";
                perm = LSTM_PERM;
            } else if (r instanceof GRU) {
                opType = "GRU";
                perm = GRU_PERM;
            } else if (r instanceof SimpleRNN) {
                opType = "RNN";
                perm = RNN_PERM;
            } else {
                throw new IllegalStateException("internal error: no ONNX op for " + r);
            }
            int g = perm.length;
            int in = params.get(0).shape()[1];
            float[] w = new float[d * g * h * in];
            float[] rr = new float[d * g * h * h];
            float[] bias = new float[d * 2 * g * h];
            for (int k = 0; k < d; k++) {
                List<Param> p = params.subList(4 * k, 4 * k + 4);
                reorderRows(p.get(0).data, perm, h, in, w, k * g * h * in);
                reorderRows(p.get(1).data, perm, h, h, rr, k * g * h * h);
                reorderRows(p.get(2).data, perm, h, 1, bias, k * 2 * g * h);
                reorderRows(p.get(3).data, perm, h, 1, bias, k * 2 * g * h + g * h);
            }
            String base = params.get(0).name().replace("weight_ih_", ""); // rnn.l0
            String name = fresh(base);
            String wn = init(name + ".W", w, d, (long) g * h, in);
            String rn = init(name + ".R", rr, d, (long) g * h, h);
            String bn = init(name + ".B", bias, d, 2L * g * h);
            String y = name + ".Y";
            String yh = name + ".Y_h";
            List<Onnx.Attribute> attrs = new ArrayList<>();
            attrs.add(Onnx.Attribute.ofInt("hidden_size", h));
            if (d == 2) attrs.add(Onnx.Attribute.ofString("direction", "bidirectional"));
            if (r instanceof GRU) attrs.add(Onnx.Attribute.ofInt("linear_before_reset", 1)); // torch's n = tanh(x_n + r⊙(h·W_hnᵀ + b_hn))
            List<String> inputs = new ArrayList<>(List.of(x, wn, rn, bn));
            if (!seqLens.isEmpty()) inputs.add(seqLens);
            node(opType, name, inputs, returnSequences ? List.of(y) : List.of("", yh), attrs.toArray(Onnx.Attribute[]::new));
            if (returnSequences) {
                // Y (T, D, B, H) → (T, B, D·H or H); steps past a sequence's length hold zeros (ONNX).
                if (d == 1) return op("Squeeze", name + ".out", List.of(y, constLongs("axis1", 1)));
                return mergeDirections(y, 1, merge, name);
            }
            // Y_h (D, B, H): the state after each sequence's last real step (backward: after its first).
            if (d == 1) return op("Squeeze", name + ".out", List.of(yh, constLongs("axis0", 0)));
            return mergeDirections(yh, 0, merge, name);
        }

        /** Merges the direction axis {@code axis} of {@code v} as Bidirectional does: [forward, backward] for concat. */
        private String mergeDirections(String v, int axis, Bidirectional.Merge merge, String name) {
            String out = name + ".out";
            return switch (merge) {
                case CONCAT -> {
                    String t = op("Transpose", name + ".directions_last", List.of(v),
                            axis == 1 ? Onnx.Attribute.ofInts("perm", 0, 2, 1, 3) : Onnx.Attribute.ofInts("perm", 1, 0, 2));
                    yield op("Reshape", out, List.of(t, axis == 1 ? constLongs("shape_keep2", 0, 0, -1) : constLongs("shape_keep1", 0, -1)));
                }
                case SUM -> op("ReduceSum", out, List.of(v, constLongs("axis" + axis, axis)), Onnx.Attribute.ofInt("keepdims", 0));
                case MEAN -> op("ReduceMean", out, List.of(v), Onnx.Attribute.ofInts("axes", axis), Onnx.Attribute.ofInt("keepdims", 0));
                case MUL -> op("Mul", out, List.of(
                        op("Gather", name + ".forward", List.of(v, constScalar("zero_scalar", 0)), Onnx.Attribute.ofInt("axis", axis)),
                        op("Gather", name + ".backward", List.of(v, constScalar("one_scalar", 1)), Onnx.Attribute.ofInt("axis", axis))));
            };
        }
    }

    /** Copies gate blocks of h rows × cols from torch order into ONNX order: dst block k = src block perm[k]. */
    static void reorderRows(float[] src, int[] perm, int h, int cols, float[] dst, int dstOffset) {
        int block = h * cols;
        for (int k = 0; k < perm.length; k++) System.arraycopy(src, perm[k] * block, dst, dstOffset + k * block, block);
    }
}
