// ONNX graph exported by torch.onnx.export from the lesson's PyTorch classifier → jrnn model. The graph is
// read, never run: each live node is given a meaning (token ids, embedded sequence, an RNN layer's outputs,
// its final states, the classifier's logits, or shape bookkeeping) from its op type and its inputs'
// meanings; a node that fits none is refused in one line naming it and its op type. The weights are mapped
// back from ONNX's gate orders to PyTorch's (the table is docs/FORMAT.md "ONNX import").
package org.jrnn.interop.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jrnn.data.TextField;
import org.jrnn.io.SavedModel;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;

/**
 * Imports an ONNX model of the form token ids → Gather (nn.Embedding) → RNN/LSTM/GRU nodes (nn.RNN with
 * tanh, nn.LSTM, nn.GRU; stacked, bidirectional, batch_first or not) → the last layer's final state
 * ({@code h_n[-1]}, or {@code cat(h_n[-2], h_n[-1])}) → Gemm nodes (nn.Linear) [→ Softmax]. The graph
 * runs its RNNs over the padding (no {@code sequence_lens}), so the model is imported unmasked
 * ({@code mask_zero: false}), which computes the same.
 */
public final class OnnxImport {
    private OnnxImport() {}

    /** Largest file read: 1 GiB, as a .jrnn file's weights; checked before the file is read. */
    static final long MAX_FILE_BYTES = 1L << 30;

    /** One row of the import summary: the ONNX node, its op type, the jrnn parameters it became. */
    public record Row(String node, String opType, String jrnnParams) {}

    /** The imported model, the summary rows and notes on what differs from the ONNX graph. */
    public record Result(SavedModel model, List<Row> rows, List<String> notes) {
        public String table() {
            StringBuilder sb = new StringBuilder();
            String fmt = "%-28s %-10s %s%n";
            sb.append(String.format(Locale.ROOT, fmt, "ONNX node", "op", "jrnn parameters"));
            sb.append("-".repeat(100)).append(System.lineSeparator());
            for (Row r : rows) sb.append(String.format(Locale.ROOT, fmt, r.node(), r.opType(), r.jrnnParams()));
            sb.append("-".repeat(100)).append(System.lineSeparator());
            sb.append(String.format(Locale.ROOT, "Total parameters (PyTorch layout): %,d%n", model.model().paramCount()));
            return sb.toString();
        }
    }

    /**
     * Reads {@code file} and builds the jrnn model.
     *
     * @param vocabFile the vocabulary (one token per line, line 1 empty, line 2 [UNK]); required, ONNX files from torch hold none
     * @param classNames class names in output order, or null for "0", "1", ...
     * @throws OnnxFormatException one line naming the file and, where one is at fault, the node and its op type
     * @throws IOException for failures of the disk itself
     */
    public static Result read(Path file, Path vocabFile, List<String> classNames) throws IOException {
        String where = file.toString();
        if (!Files.isRegularFile(file)) throw new OnnxFormatException(where, Files.exists(file) ? "not a regular file" : "file not found");
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) throw new OnnxFormatException(where, "file of " + size + " bytes, more than the " + MAX_FILE_BYTES + " jrnn reads");
        Onnx.Model m;
        try {
            m = Onnx.decode(Files.readAllBytes(file));
        } catch (Proto.Malformed e) {
            throw new OnnxFormatException(where, "not a valid ONNX file: " + e.getMessage(), e);
        } catch (Onnx.Unsupported e) {
            throw new OnnxFormatException(where, e.getMessage() + "; jrnn imports self-contained torch.onnx.export graphs", e);
        }
        if (vocabFile == null) {
            throw new OnnxFormatException(where, "an ONNX model holds no vocabulary, so jrnn does not know the tokens: pass --vocab FILE "
                    + "(one token per line: an empty line, [UNK], then the rest, in id order)");
        }
        return new Importer(where, m).run(vocabFile, classNames);
    }

    // ---------------------------------------------------------------- what a value means

    private sealed interface Val permits Ids, Const, ShapeInfo, Zeros, Seq, Hn, State, Features, Logits, Unused {}

    /** The graph's token-id input, axes a0, a1. */
    private record Ids() implements Val {}

    private record Const(Onnx.Tensor t) implements Val {}

    /** Shape bookkeeping (Shape, and integer ops on it): never reaches the numbers. */
    private record ShapeInfo() implements Val {}

    /** Zeros of some shape (ConstantOfShape with value 0): initial states. */
    private record Zeros() implements Val {}

    /**
     * A sequence: {@code axes} from "a0", "a1" (the ids' axes), "D" (directions, {@code dirs} of them), "F"
     * ({@code width} features); {@code level} recurrent layers applied (0: the embedding).
     */
    private record Seq(List<String> axes, int dirs, int width, int level) implements Val {}

    /** Final states (layers·D, B, H) of recurrent layers: {@code refs[i]} = {layer, direction}. */
    private record Hn(List<int[]> refs, int width) implements Val {}

    /** One final state (B, H). */
    private record State(int[] ref, int width) implements Val {}

    /** Final states concatenated on the feature axis (B, Σ H). */
    private record Features(List<int[]> refs, int width) implements Val {}

    /** Output of the Gemm chain: {@code dense} Linear layers applied; {@code softmax} after the last. */
    private record Logits(int dense, int width, boolean softmax) implements Val {}

    /** An output nothing live reads (LSTM's Y_c). */
    private record Unused() implements Val {}

    /** One ONNX recurrent node mapped to a jrnn layer. */
    private record Rnn(Onnx.Node node, String cell, int hidden, int dirs, int input, float[] w, float[] r, float[] b) {}

    private record Linear(Onnx.Node node, int in, int out, float[] weight, float[] bias) {}

    private static final Set<String> SHAPE_OPS = Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Add", "Sub",
            "Mul", "Div", "Reshape", "Identity");

    private static final class Importer {
        private final String where;
        private final Onnx.Model m;
        private final Map<String, Val> vals = new HashMap<>();
        private final List<Rnn> rnns = new ArrayList<>();
        private final List<Linear> linears = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private Onnx.Node embeddingNode;
        private float[] embedding;
        private int vocab;
        private int embedDim;
        private String timeAxis;

        Importer(String where, Onnx.Model m) {
            this.where = where;
            this.m = m;
        }

        private OnnxFormatException fail(Onnx.Node n, String problem) {
            return new OnnxFormatException(where, "node '" + n.name() + "' (" + n.opType() + "): " + problem);
        }

        Result run(Path vocabFile, List<String> classNames) throws IOException {
            Onnx.Graph g = m.graph();
            Long opset = m.opsets().get("");
            if (opset == null && m.opsets().containsKey("ai.onnx")) opset = m.opsets().get("ai.onnx");
            if (opset == null || opset < 9) throw new OnnxFormatException(where, "needs the default ONNX opset 9 or later, found " + m.opsets());
            for (Onnx.Tensor t : g.initializers()) vals.put(t.name(), new Const(t));
            List<Onnx.ValueInfo> inputs = g.inputs().stream().filter(v -> !vals.containsKey(v.name())).toList();
            if (inputs.size() != 1) throw new OnnxFormatException(where, "expected one input (token ids), found " + inputs.size());
            Onnx.ValueInfo in = inputs.get(0);
            if (in.elemType() != Onnx.INT64 && in.elemType() != Onnx.INT32 || in.dims().size() != 2) {
                throw new OnnxFormatException(where, "input '" + in.name() + "' must be int64 token ids of rank 2, found element type "
                        + in.elemType() + " rank " + in.dims().size());
            }
            vals.put(in.name(), new Ids());
            if (g.outputs().size() != 1) throw new OnnxFormatException(where, "expected one output (logits), found " + g.outputs().size());
            String output = g.outputs().get(0).name();
            Set<Onnx.Node> live = live(g, output);
            for (Onnx.Node n : g.nodes()) {
                if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) throw fail(n, "custom op domain '" + n.domain() + "' is not supported");
                if (live.contains(n)) interpret(n);
            }
            Val out = vals.get(output);
            if (!(out instanceof Logits lg) || lg.dense() != linears.size()) {
                throw new OnnxFormatException(where, "output '" + output + "' is not the classifier's logits (Embedding → RNN/LSTM/GRU → "
                        + "final state → Linear)");
            }
            if (embedding == null || rnns.isEmpty()) throw new OnnxFormatException(where, "no Embedding (Gather) and recurrent layer found");
            if (lg.softmax()) notes.add("the graph ends in Softmax: jrnn's classifier head applies it, so it is not a separate layer");
            return build(vocabFile, classNames);
        }

        /** Nodes the output depends on; torch leaves none dead, but a reader must not refuse what is never computed. */
        private Set<Onnx.Node> live(Onnx.Graph g, String output) {
            Map<String, Onnx.Node> producer = new HashMap<>();
            for (Onnx.Node n : g.nodes()) for (String o : n.outputs()) if (!o.isEmpty()) producer.put(o, n);
            Set<Onnx.Node> live = new HashSet<>();
            ArrayDeque<String> todo = new ArrayDeque<>(List.of(output));
            while (!todo.isEmpty()) {
                Onnx.Node n = producer.get(todo.pop());
                if (n == null || !live.add(n)) continue;
                for (String i : n.inputs()) if (!i.isEmpty()) todo.push(i);
            }
            return live;
        }

        private Val in(Onnx.Node n, int i) {
            if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) return null;
            Val v = vals.get(n.inputs().get(i));
            if (v == null) throw fail(n, "input '" + n.inputs().get(i) + "' is not produced before it (the graph is not in order)");
            return v;
        }

        private void out(Onnx.Node n, int i, Val v) {
            if (i < n.outputs().size() && !n.outputs().get(i).isEmpty()) vals.put(n.outputs().get(i), v);
        }

        private void interpret(Onnx.Node n) {
            String op = n.opType();
            List<Val> ins = new ArrayList<>();
            for (int i = 0; i < n.inputs().size(); i++) ins.add(in(n, i));
            Val a = ins.isEmpty() ? null : ins.get(0);
            if (op.equals("Constant")) {
                Onnx.Attribute v = n.attr("value");
                if (v == null || v.t() == null) throw fail(n, "only tensor-valued constants are supported");
                out(n, 0, new Const(v.t()));
                return;
            }
            if (op.equals("Identity") && a != null) {
                out(n, 0, a);
                return;
            }
            switch (op) {
                case "Gather" -> {
                    if (a instanceof Const c && ins.get(1) instanceof Ids) {
                        embedding(n, c.t());
                        out(n, 0, new Seq(List.of("a0", "a1", "F"), 1, embedDim, 0));
                        return;
                    }
                    if (a instanceof Hn h && ins.get(1) instanceof Const idx && axis(n, 0) == 0) {
                        int i = (int) scalar(n, idx.t());
                        if (i < 0) i += h.refs().size();
                        if (i < 0 || i >= h.refs().size()) throw fail(n, "index out of range for " + h.refs().size() + " states");
                        out(n, 0, new State(h.refs().get(i), h.width()));
                        return;
                    }
                }
                case "Transpose" -> {
                    if (a instanceof Seq s) {
                        long[] perm = n.attr("perm") == null ? null : n.attr("perm").ints();
                        if (perm == null || perm.length != s.axes().size()) throw fail(n, "needs a perm over the sequence's " + s.axes().size() + " axes");
                        List<String> axes = new ArrayList<>();
                        for (long p : perm) axes.add(s.axes().get((int) p));
                        out(n, 0, new Seq(axes, s.dirs(), s.width(), s.level()));
                        return;
                    }
                }
                case "Squeeze" -> {
                    long[] axes = axesOf(n, ins);
                    if (a instanceof Seq s && axes != null && axes.length == 1 && s.dirs() == 1 && norm(axes[0], s.axes().size()) >= 0
                            && norm(axes[0], s.axes().size()) < s.axes().size() && s.axes().get(norm(axes[0], s.axes().size())).equals("D")) {
                        List<String> x = new ArrayList<>(s.axes());
                        x.remove("D");
                        out(n, 0, new Seq(x, 1, s.width(), s.level()));
                        return;
                    }
                    if (a instanceof Hn h && axes != null && axes.length == 1 && axes[0] == 0 && h.refs().size() == 1) {
                        out(n, 0, new State(h.refs().get(0), h.width()));
                        return;
                    }
                }
                case "Reshape" -> {
                    // Y (T, B, D, H) → (T, B, D·H): torch's bidirectional output, directions concatenated.
                    if (a instanceof Seq s && ins.get(1) instanceof Const c && Arrays.equals(c.t().longs(), new long[] {0, 0, -1})
                            && s.axes().size() == 4 && s.axes().get(2).equals("D") && s.axes().get(3).equals("F")) {
                        out(n, 0, new Seq(List.of(s.axes().get(0), s.axes().get(1), "F"), 1, s.dirs() * s.width(), s.level()));
                        return;
                    }
                }
                case "Concat" -> {
                    long axis = axis(n, Long.MIN_VALUE);
                    if (ins.stream().allMatch(v -> v instanceof Hn) && axis == 0) {
                        List<int[]> refs = new ArrayList<>();
                        int w = ((Hn) a).width();
                        for (Val v : ins) {
                            if (((Hn) v).width() != w) throw fail(n, "concatenates states of different widths");
                            refs.addAll(((Hn) v).refs());
                        }
                        out(n, 0, new Hn(refs, w));
                        return;
                    }
                    if (ins.stream().allMatch(v -> v instanceof State) && (axis == 1 || axis == -1)) {
                        List<int[]> refs = new ArrayList<>();
                        int w = 0;
                        for (Val v : ins) {
                            refs.add(((State) v).ref());
                            w += ((State) v).width();
                        }
                        out(n, 0, new Features(refs, w));
                        return;
                    }
                }
                case "ConstantOfShape" -> {
                    Onnx.Attribute v = n.attr("value");
                    if (v != null && !isZero(v.t())) throw fail(n, "initial states must be zeros");
                    out(n, 0, new Zeros());
                    return;
                }
                case "RNN", "LSTM", "GRU" -> {
                    recurrent(n, ins);
                    return;
                }
                case "Gemm" -> {
                    gemm(n, ins);
                    return;
                }
                case "Softmax" -> {
                    long ax = n.attr("axis") == null ? 1 : n.attr("axis").i(); // opset < 13 default 1, 13+ default −1: the same on (B, K)
                    if (a instanceof Logits l && !l.softmax() && (ax == 1 || ax == -1)) {
                        out(n, 0, new Logits(l.dense(), l.width(), true));
                        return;
                    }
                }
                default -> { }
            }
            if (a instanceof Zeros && (op.equals("Slice") || op.equals("Expand") || op.equals("Reshape") || op.equals("Unsqueeze"))) {
                out(n, 0, new Zeros());
                return;
            }
            if (SHAPE_OPS.contains(op) && ins.stream().allMatch(v -> v == null || v instanceof ShapeInfo || v instanceof Const c && c.t().longs() != null)
                    && ins.stream().anyMatch(v -> v instanceof ShapeInfo) || op.equals("Shape") && a != null) {
                out(n, 0, new ShapeInfo());
                return;
            }
            throw fail(n, "not supported here; jrnn imports Embedding (Gather) → RNN/LSTM/GRU → final state (Gather/Concat) → "
                    + "Linear (Gemm) graphs as torch.onnx.export writes them" + (a == null ? "" : " (its input is " + describe(a) + ")"));
        }

        private static String describe(Val v) {
            if (v instanceof Ids) return "the token ids";
            if (v instanceof Const) return "a constant";
            if (v instanceof ShapeInfo) return "shape arithmetic";
            if (v instanceof Zeros) return "zeros";
            if (v instanceof Seq s) return s.level() == 0 ? "the embedded sequence" : "recurrent layer " + (s.level() - 1) + "'s output sequence";
            if (v instanceof Hn) return "final states";
            if (v instanceof State) return "a final state";
            if (v instanceof Features) return "concatenated final states";
            if (v instanceof Logits) return "logits";
            return "an unused output";
        }

        private void embedding(Onnx.Node n, Onnx.Tensor t) {
            if (embedding != null) throw fail(n, "a second embedding lookup is not supported");
            if (axis(n, 0) != 0) throw fail(n, "an embedding lookup gathers along axis 0");
            if (t.dataType() != Onnx.FLOAT || t.dims().length != 2) throw fail(n, "the embedding table must be float32 (V, E)");
            embeddingNode = n;
            embedding = t.floats();
            vocab = (int) t.dims()[0];
            embedDim = (int) t.dims()[1];
            if (vocab < 2 || embedDim < 1) throw fail(n, "embedding table of shape " + Arrays.toString(t.dims()));
        }

        /** ONNX RNN/LSTM/GRU inputs: X, W, R, B, sequence_lens, initial_h[, initial_c, P]; attributes as torch writes them. */
        private void recurrent(Onnx.Node n, List<Val> ins) {
            String op = n.opType();
            if (!(ins.get(0) instanceof Seq x) || x.axes().size() != 3 || !x.axes().get(2).equals("F") || x.dirs() != 1) {
                throw fail(n, "its input must be a (time, batch, features) sequence" + (ins.get(0) == null ? "" : ", found " + describe(ins.get(0))));
            }
            if (x.level() != rnns.size()) {
                throw fail(n, "reads " + describe(x) + ", but jrnn stacks each recurrent layer on the one before");
            }
            String t = x.axes().get(0);
            if (timeAxis == null) timeAxis = t;
            else if (!timeAxis.equals(t)) throw fail(n, "runs over another axis than the recurrent layer before it");
            for (String attr : n.attributes().keySet()) {
                if (!Set.of("hidden_size", "direction", "activations", "linear_before_reset", "layout", "input_forget", "clip").contains(attr)) {
                    throw fail(n, "attribute " + attr + " is not supported");
                }
            }
            if (n.attr("clip") != null) throw fail(n, "clip is not supported (torch never sets it)");
            if (n.attr("layout") != null && n.attr("layout").i() != 0) throw fail(n, "layout=1 is not supported");
            if (n.attr("input_forget") != null && n.attr("input_forget").i() != 0) throw fail(n, "input_forget=1 is not supported");
            String direction = n.attr("direction") == null ? "forward" : n.attr("direction").s();
            int dirs = switch (direction) {
                case "forward" -> 1;
                case "bidirectional" -> 2;
                default -> throw fail(n, "direction=" + direction + " is not supported (a standalone reverse layer is not a jrnn layer)");
            };
            List<String> defaults = switch (op) {
                case "LSTM" -> List.of("Sigmoid", "Tanh", "Tanh");
                case "GRU" -> List.of("Sigmoid", "Tanh");
                default -> List.of("Tanh");
            };
            if (n.attr("activations") != null) {
                List<String> acts = n.attr("activations").strings();
                for (int i = 0; i < acts.size(); i++) {
                    if (!acts.get(i).equalsIgnoreCase(defaults.get(i % defaults.size()))) {
                        throw fail(n, "activation " + acts.get(i) + " is not supported (jrnn's cells use " + String.join(", ", defaults) + ")");
                    }
                }
            }
            if (op.equals("GRU") && (n.attr("linear_before_reset") == null || n.attr("linear_before_reset").i() != 1)) {
                throw fail(n, "linear_before_reset=0 is a different GRU formula; jrnn's (PyTorch's) GRU is linear_before_reset=1");
            }
            if (ins.size() > 4 && ins.get(4) != null) throw fail(n, "sequence_lens is not supported (torch.onnx.export writes none)");
            for (int i = 5; i < ins.size(); i++) {
                if (ins.get(i) == null || ins.get(i) instanceof Zeros || ins.get(i) instanceof Const c && isZero(c.t())) continue;
                throw fail(n, (i == 7 ? "peephole weights are" : "initial states other than zeros are") + " not supported");
            }
            int g = switch (op) {
                case "LSTM" -> 4;
                case "GRU" -> 3;
                default -> 1;
            };
            if (n.attr("hidden_size") == null) throw fail(n, "hidden_size is missing");
            long h = n.attr("hidden_size").i();
            if (h < 1 || h > (1 << 20)) throw fail(n, "hidden_size " + h);
            int hidden = (int) h;
            float[] w = weight(n, ins, 1, "W", dirs, (long) g * h, x.width());
            float[] r = weight(n, ins, 2, "R", dirs, (long) g * h, h);
            float[] b = ins.get(3) == null ? new float[dirs * 2 * g * hidden] : weight(n, ins, 3, "B", dirs, 2L * g * h);
            int level = rnns.size();
            rnns.add(new Rnn(n, op.equals("RNN") ? "SimpleRNN" : op, hidden, dirs, x.width(), w, r, b));
            out(n, 0, new Seq(List.of(t, "D", x.axes().get(1), "F"), dirs, hidden, level + 1));
            List<int[]> refs = new ArrayList<>();
            for (int d = 0; d < dirs; d++) refs.add(new int[] {level, d});
            out(n, 1, new Hn(refs, hidden));
            out(n, 2, new Unused());
        }

        /** A float32 initializer input with exactly the expected shape. */
        private float[] weight(Onnx.Node n, List<Val> ins, int i, String what, long... shape) {
            if (!(ins.get(i) instanceof Const c) || c.t().dataType() != Onnx.FLOAT) throw fail(n, what + " must be a float32 initializer");
            if (!Arrays.equals(c.t().dims(), shape)) {
                throw fail(n, what + " '" + n.inputs().get(i) + "' has shape " + Arrays.toString(c.t().dims()) + ", expected " + Arrays.toString(shape));
            }
            return c.t().floats();
        }

        /** Gemm: y = x·Bᵀ + C (transB=1, nn.Linear) or x·B + C (transB=0). */
        private void gemm(Onnx.Node n, List<Val> ins) {
            Val a = ins.get(0);
            int in;
            int dense;
            if (a instanceof Features f) {
                int last = rnns.size() - 1;
                Rnn top = rnns.get(last);
                boolean ok = f.refs().size() == top.dirs();
                for (int d = 0; ok && d < top.dirs(); d++) ok = f.refs().get(d)[0] == last && f.refs().get(d)[1] == d;
                if (!ok) throw fail(n, "reads final states jrnn does not use (jrnn's classifier reads the last layer's, forward then backward)");
                in = f.width();
                dense = 0;
            } else if (a instanceof State s) {
                int last = rnns.size() - 1;
                if (rnns.get(last).dirs() != 1 || s.ref()[0] != last || s.ref()[1] != 0) {
                    throw fail(n, "reads a final state jrnn does not use (jrnn's classifier reads the last layer's" + (rnns.get(last).dirs() == 2
                            ? ", both directions concatenated)" : ")"));
                }
                in = s.width();
                dense = 0;
            } else if (a instanceof Logits l && !l.softmax()) {
                in = l.width();
                dense = l.dense();
                notes.add("Linear layers follow each other without an activation (" + n.name() + "): jrnn keeps them as Dense layers");
            } else {
                throw fail(n, "a Linear layer here is not supported" + (a == null ? "" : " (its input is " + describe(a) + ")"));
            }
            for (String attr : List.of("alpha", "beta")) {
                if (n.attr(attr) != null && n.attr(attr).f() != 1f) throw fail(n, attr + "=" + n.attr(attr).f() + " is not supported");
            }
            if (n.attr("transA") != null && n.attr("transA").i() != 0) throw fail(n, "transA=1 is not supported");
            boolean transB = n.attr("transB") != null && n.attr("transB").i() == 1;
            if (!(ins.get(1) instanceof Const wc) || wc.t().dataType() != Onnx.FLOAT || wc.t().dims().length != 2) {
                throw fail(n, "B must be a float32 matrix initializer");
            }
            long[] d = wc.t().dims();
            long outUnits = transB ? d[0] : d[1];
            if ((transB ? d[1] : d[0]) != in || outUnits < 1) throw fail(n, "B has shape " + Arrays.toString(d) + " for " + in + " inputs");
            int out = (int) outUnits;
            float[] weight = wc.t().floats();
            if (!transB) {
                float[] t = new float[weight.length];
                for (int i = 0; i < in; i++) for (int j = 0; j < out; j++) t[j * in + i] = weight[i * out + j];
                weight = t;
            }
            float[] bias = ins.size() > 2 && ins.get(2) != null ? weight(n, ins, 2, "C", out) : new float[out];
            linears.add(new Linear(n, in, out, weight, bias));
            out(n, 0, new Logits(dense + 1, out, false));
        }

        private Result build(Path vocabFile, List<String> classNames) throws IOException {
            TextVectorizer tv;
            try {
                tv = TextVectorizer.readVocabulary(vocabFile);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new OnnxFormatException(vocabFile.toString(), "file not found", e);
            } catch (IllegalArgumentException e) {
                throw new OnnxFormatException(vocabFile.toString(), e.getMessage(), e);
            }
            if (tv.size() > vocab) {
                throw new OnnxFormatException(where, "the vocabulary has " + tv.size() + " entries but the embedding only " + vocab + " rows");
            }
            if (tv.size() < vocab) {
                notes.add("the embedding has " + vocab + " rows, the vocabulary " + tv.size() + ": rows " + tv.size() + ".." + (vocab - 1)
                        + " are never looked up and are dropped");
            }
            List<LayerSpec> layers = new ArrayList<>();
            for (int k = 0; k < rnns.size(); k++) {
                Rnn r = rnns.get(k);
                LayerSpec cell = LayerSpec.rnn(r.cell(), r.hidden(), k < rnns.size() - 1);
                layers.add(r.dirs() == 2 ? LayerSpec.bidirectional(cell) : cell);
            }
            for (int i = 0; i < linears.size() - 1; i++) layers.add(LayerSpec.dense(linears.get(i).out()));
            int classes = linears.get(linears.size() - 1).out();
            ModelSpec spec = new ModelSpec(embedDim, false, layers);
            List<String> names = classNames != null ? List.copyOf(classNames) : defaultClassNames(classes);
            if (names.size() != classes) {
                throw new OnnxFormatException(where, "the model has " + classes + " outputs but " + names.size() + " class names were given");
            }
            Sequential model;
            try {
                model = spec.buildForWeights(tv.size(), classes);
            } catch (ArchitectureException e) {
                throw new OnnxFormatException(where, "jrnn cannot build this model: " + e.getMessage(), e);
            }
            Map<String, Param> p = model.stateDict();
            List<Row> rows = new ArrayList<>();
            System.arraycopy(embedding, 0, p.get("embedding.weight").data, 0, tv.size() * embedDim);
            rows.add(new Row(embeddingNode.name(), "Gather", "embedding.weight [" + tv.size() + "," + embedDim + "]"));
            for (int k = 0; k < rnns.size(); k++) {
                Rnn r = rnns.get(k);
                int[] perm = switch (r.cell()) {
                    case "LSTM" -> OnnxExport.LSTM_PERM;
                    case "GRU" -> OnnxExport.GRU_PERM;
                    default -> OnnxExport.RNN_PERM;
                };
                int g = perm.length;
                int gh = g * r.hidden();
                List<String> got = new ArrayList<>();
                for (int d = 0; d < r.dirs(); d++) {
                    String s = "_l" + k + (d == 1 ? "_reverse" : "");
                    // ONNX block j holds PyTorch block perm[j]: copy each back to its PyTorch place.
                    unreorder(r.w(), d * gh * r.input(), perm, r.hidden(), r.input(), p.get("rnn.weight_ih" + s).data);
                    unreorder(r.r(), d * gh * r.hidden(), perm, r.hidden(), r.hidden(), p.get("rnn.weight_hh" + s).data);
                    unreorder(r.b(), d * 2 * gh, perm, r.hidden(), 1, p.get("rnn.bias_ih" + s).data);
                    unreorder(r.b(), d * 2 * gh + gh, perm, r.hidden(), 1, p.get("rnn.bias_hh" + s).data);
                    for (String base : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) got.add("rnn." + base + s);
                }
                rows.add(new Row(r.node().name(), r.node().opType(), String.join(", ", got)));
            }
            for (int i = 0; i < linears.size(); i++) {
                Linear l = linears.get(i);
                String prefix = i == 0 ? "fc" : "fc" + i;
                System.arraycopy(l.weight(), 0, p.get(prefix + ".weight").data, 0, l.weight().length);
                System.arraycopy(l.bias(), 0, p.get(prefix + ".bias").data, 0, l.bias().length);
                rows.add(new Row(l.node().name(), "Gemm", prefix + ".weight [" + l.out() + "," + l.in() + "], " + prefix + ".bias [" + l.out() + "]"));
            }
            notes.add("the graph runs its recurrent layers over padding (no sequence_lens): imported with mask_zero=false, which does the same");
            if (!"a1".equals(timeAxis)) notes.add("the graph's token_ids are [time, batch]; jrnn takes texts, so this changes nothing for it");
            SavedModel saved;
            try {
                saved = SavedModel.of(spec, tv, TextField.TITLE_AND_DESCRIPTION, names, model);
            } catch (IllegalArgumentException e) {
                throw new OnnxFormatException(where, e.getMessage(), e);
            }
            return new Result(saved, rows, notes);
        }

        // ---------------------------------------------------------------- small readers

        private long axis(Onnx.Node n, long dflt) {
            return n.attr("axis") == null ? dflt : n.attr("axis").i();
        }

        private long scalar(Onnx.Node n, Onnx.Tensor t) {
            if (t.longs() == null || t.longs().length != 1 || t.dims().length != 0) throw fail(n, "expects a scalar integer index");
            return t.longs()[0];
        }

        /** Squeeze's axes: the second input (opset 13+) or the attribute (before). */
        private long[] axesOf(Onnx.Node n, List<Val> ins) {
            if (ins.size() > 1 && ins.get(1) instanceof Const c && c.t().longs() != null) return c.t().longs();
            return n.attr("axes") == null ? null : n.attr("axes").ints();
        }

        private static int norm(long axis, int rank) {
            return (int) (axis < 0 ? axis + rank : axis);
        }

        private static boolean isZero(Onnx.Tensor t) {
            if (t == null) return true;
            if (t.floats() != null) {
                for (float f : t.floats()) if (f != 0f) return false;
                return true;
            }
            if (t.longs() != null) {
                for (long v : t.longs()) if (v != 0) return false;
                return true;
            }
            return false;
        }
    }

    /** dst block perm[k] (torch order) = src block k (ONNX order), blocks of h rows × cols from {@code srcOffset}. */
    static void unreorder(float[] src, int srcOffset, int[] perm, int h, int cols, float[] dst) {
        int block = h * cols;
        for (int k = 0; k < perm.length; k++) System.arraycopy(src, srcOffset + k * block, dst, perm[k] * block, block);
    }

    private static List<String> defaultClassNames(int k) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) names.add(Integer.toString(i));
        return names;
    }
}
