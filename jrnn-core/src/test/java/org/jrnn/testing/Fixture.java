package org.jrnn.testing;

// Read-only view of one PyTorch reference fixture, src/test/resources/fixtures/<name>.json,
// written by tools/reference/make_fixtures.py (float64, PyTorch parameter names and layouts,
// tensors as {"shape": [...], "data": [flat row-major]}). Test code only: it knows nothing of
// org.jrnn.nn, so a parity test maps names to its own Params.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One fixture. {@link #load(String)} checks magic and version; accessors throw
 * {@link IllegalArgumentException} naming the fixture and the missing key.
 *
 * <p>RNN fixtures ({@link #rnnNames()}) hold config, tokens (variable length, original order),
 * labels, params, the last layer's batch-first output {@code rnn_output} (B, T, H*dirs, or H when
 * a Bidirectional {@link #mergeMode()} is not concat; {@link #goBackwards()} keeps each state at its token's step),
 * {@code h_n}/{@code c_n} (L*dirs, B, H), {@code features} (input to fc), logits, loss, grads and
 * the parameters after two Adam steps in the PyTorch and in the Keras formula. The other
 * fixtures ({@link #otherNames()}: {@code dense_ce}, {@code softmax_ce_extreme}, {@code adam})
 * are read with {@link #tensor(String)}, {@link #tensorAt(String...)}, {@link #param(String)},
 * {@link #grad(String)}.
 */
public final class Fixture {

    public static final String MAGIC = "jrnn-fixture";
    public static final int VERSION = 1;
    public static final String RERUN = "/usr/bin/python3 tools/reference/make_fixtures.py";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String name;
    private final JsonNode root;

    private Fixture(String name, JsonNode root) {
        this.name = name;
        this.root = root;
    }

    /** Reads classpath resource {@code /fixtures/<name>.json}. */
    public static Fixture load(String name) {
        return of(name, readResource(name));
    }

    /** Checks magic and version of an already parsed document (tests of the check itself). */
    static Fixture of(String name, JsonNode root) {
        String magic = root.path("magic").asText("");
        int version = root.path("version").asInt(-1);
        if (!MAGIC.equals(magic) || version != VERSION) {
            throw new IllegalStateException("fixture " + name + ": expected magic \"" + MAGIC + "\" version "
                    + VERSION + ", found \"" + magic + "\" version " + version
                    + "; stale fixture? Regenerate from the repo root with: " + RERUN);
        }
        return new Fixture(name, root);
    }

    /** Names of the Embedding/RNN/Linear fixtures, from {@code fixtures/index.json}. */
    public static List<String> rnnNames() {
        return strings(index(), "rnn");
    }

    /** Names of the other fixtures (dense_ce, softmax_ce_extreme, adam). */
    public static List<String> otherNames() {
        return strings(index(), "other");
    }

    /**
     * Names of the per-step fixtures (Embedding/RNN/Linear on every step, cross-entropy with
     * {@code ignore_index}), from {@code fixtures/index.json}. They hold config (no head; classes
     * = the per-step K, ignore_index), tokens, targets (B, T), counted_steps, params, rnn_output and
     * logits (B, T, ·) with zeros where packed mode has no step, loss and grads.
     */
    public static List<String> perStepNames() {
        return strings(index(), "per_step");
    }

    private static JsonNode index() {
        JsonNode idx = readResource("index");
        if (!(MAGIC + "-index").equals(idx.path("magic").asText()) || idx.path("version").asInt(-1) != VERSION) {
            throw new IllegalStateException("fixtures/index.json is stale; regenerate with: " + RERUN);
        }
        return idx;
    }

    private static JsonNode readResource(String name) {
        String path = "/fixtures/" + name + ".json";
        try (InputStream in = Fixture.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("fixture resource " + path + " not found; generate with: " + RERUN);
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + path + "; regenerate with: " + RERUN, e);
        }
    }

    // ---------------------------------------------------------------------------- config

    public String name() {
        return name;
    }

    /** The whole document, for keys without an accessor. */
    public JsonNode root() {
        return root;
    }

    public JsonNode config() {
        return required(root, "config");
    }

    public String cell() {
        return required(config(), "cell").asText();
    }

    public int vocab() {
        return required(config(), "vocab").asInt();
    }

    public int embed() {
        return required(config(), "embed").asInt();
    }

    public int hidden() {
        return required(config(), "hidden").asInt();
    }

    public int layers() {
        return required(config(), "layers").asInt();
    }

    public boolean bidirectional() {
        return required(config(), "bidirectional").asBoolean();
    }

    /** 1 or 2. */
    public int directions() {
        return bidirectional() ? 2 : 1;
    }

    /** "packed" (padding never reaches the RNN) or "padded" (RNN runs over pad steps too). */
    public String mode() {
        return required(config(), "mode").asText();
    }

    /** "last", "mean" or "max". */
    public String head() {
        return required(config(), "head").asText();
    }

    public int classes() {
        return required(config(), "classes").asInt();
    }

    /** Keras Bidirectional {@code merge_mode}: "concat" (the default, absent from older files), "sum", "mean", "mul". */
    public String mergeMode() {
        return config().path("merge_mode").asText("concat");
    }

    /** Keras {@code go_backwards} of the (one-direction) recurrent layer; false when absent. */
    public boolean goBackwards() {
        return config().path("go_backwards").asBoolean(false);
    }

    // ---------------------------------------------------------------------------- batch

    /** Token ids per sequence, variable length, original (unsorted) order. */
    public int[][] tokens() {
        JsonNode seqs = required(root, "tokens");
        int[][] out = new int[seqs.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = ints(seqs.get(b));
        }
        return out;
    }

    public int[] lengths() {
        int[][] t = tokens();
        int[] out = new int[t.length];
        for (int b = 0; b < t.length; b++) {
            out[b] = t[b].length;
        }
        return out;
    }

    /** Tokens post-padded with 0 to the longest length, batch-first (B, T). */
    public int[][] paddedTokens() {
        int[][] t = tokens();
        int steps = 0;
        for (int[] s : t) {
            steps = Math.max(steps, s.length);
        }
        int[][] out = new int[t.length][steps];
        for (int b = 0; b < t.length; b++) {
            System.arraycopy(t[b], 0, out[b], 0, t[b].length);
        }
        return out;
    }

    /** Per-step targets (B, T), batch-first, {@link #ignoreIndex()} at padded and ignored steps (per-step fixtures). */
    public int[][] targets() {
        JsonNode rows = required(root, "targets");
        int[][] out = new int[rows.size()][];
        for (int b = 0; b < out.length; b++) out[b] = ints(rows.get(b));
        return out;
    }

    /** PyTorch's {@code ignore_index} of a per-step fixture's loss. */
    public int ignoreIndex() {
        return required(config(), "ignore_index").asInt();
    }

    /** Steps the per-step loss averages over (real, not ignored). */
    public int countedSteps() {
        return required(root, "counted_steps").asInt();
    }

    public int[] labels() {
        return ints(required(root, "labels"));
    }

    // ---------------------------------------------------------------------------- tensors

    /** PyTorch {@code named_parameters()} order. */
    public List<String> paramOrder() {
        return strings(root, "param_order");
    }

    /** Initial value of a parameter, flat row-major. */
    public double[] param(String name) {
        return data(entry("params", name));
    }

    public int[] shape(String name) {
        return shapeOf(entry("params", name));
    }

    /** d loss / d param at the initial parameters. */
    public double[] grad(String name) {
        return data(entry("grads", name));
    }

    public int[] gradShape(String name) {
        return shapeOf(entry("grads", name));
    }

    public double[] logits() {
        return tensor("logits");
    }

    /** Last RNN layer's output, batch-first (B, T, H*dirs or merged H); zeros at padded steps in packed mode. */
    public double[] rnnOutput() {
        return tensor("rnn_output");
    }

    public int[] rnnOutputShape() {
        return tensorShape("rnn_output");
    }

    public double loss() {
        JsonNode n = required(root, "loss");
        return n.asDouble();
    }

    /** Parameter after two torch.optim.Adam steps (eps added to the bias-corrected sqrt(v)). */
    public double[] adamTorchAfter(String name) {
        return data(member(required(adamTorch(), "params_after"), "adam_torch.params_after", name));
    }

    /** Parameter after two Keras Adam steps (epsilon added to the uncorrected sqrt(v)). */
    public double[] adamKerasAfter(String name) {
        return data(member(required(adamKeras(), "params_after"), "adam_keras.params_after", name));
    }

    /** Learning rate of both Adam references. */
    public double adamLr() {
        return required(required(root, "adam_torch"), "lr").asDouble();
    }

    public JsonNode adamTorch() {
        return required(root, "adam_torch");
    }

    public JsonNode adamKeras() {
        return required(root, "adam_keras");
    }

    /** Data of a top-level tensor, e.g. "logits", "h_n", "features", "x", "dx", "dlogits". */
    public double[] tensor(String key) {
        return data(required(root, key));
    }

    public int[] tensorShape(String key) {
        return shapeOf(required(root, key));
    }

    /**
     * Tensor at a path of object keys and array indices, e.g.
     * {@code tensorAt("grads_per_step", "1", "w")} or {@code tensorAt("adam_keras", "m", "b")}.
     */
    public double[] tensorAt(String... path) {
        return data(at(path));
    }

    public int[] tensorShapeAt(String... path) {
        return shapeOf(at(path));
    }

    private JsonNode at(String... path) {
        JsonNode n = root;
        StringBuilder seen = new StringBuilder();
        for (String key : path) {
            n = n.isArray() && key.chars().allMatch(Character::isDigit) ? n.get(Integer.parseInt(key)) : n.get(key);
            seen.append(seen.length() == 0 ? "" : ".").append(key);
            if (n == null || n.isNull()) {
                throw new IllegalArgumentException("fixture " + name + ": missing " + seen);
            }
        }
        return n;
    }

    /** torch.manual_seed used for the initial parameters (RNN fixtures). */
    public long seed() {
        return required(root, "seed").asLong();
    }

    public boolean has(String key) {
        return root.has(key);
    }

    /** Float copy, for feeding a float32 model. */
    public static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }

    @Override
    public String toString() {
        return "Fixture(" + name + ")";
    }

    // ---------------------------------------------------------------------------- helpers

    private JsonNode entry(String group, String key) {
        return member(required(root, group), group, key);
    }

    private JsonNode member(JsonNode g, String group, String key) {
        JsonNode n = g.get(key);
        if (n == null) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = g.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            throw new IllegalArgumentException(
                    "fixture " + name + ": no \"" + key + "\" in " + group + "; have " + names);
        }
        return n;
    }

    private JsonNode required(JsonNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("fixture " + name + ": missing key \"" + key + "\"");
        }
        return n;
    }

    private double[] data(JsonNode tensor) {
        JsonNode d = required(tensor, "data");
        double[] out = new double[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).asDouble();
        }
        return out;
    }

    private int[] shapeOf(JsonNode tensor) {
        return ints(required(tensor, "shape"));
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    private static List<String> strings(JsonNode parent, String key) {
        JsonNode arr = parent.get(key);
        if (arr == null || !arr.isArray()) {
            throw new IllegalArgumentException("missing string list \"" + key + "\"");
        }
        List<String> out = new ArrayList<>(arr.size());
        arr.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }
}
