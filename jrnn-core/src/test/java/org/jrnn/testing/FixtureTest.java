package org.jrnn.testing;

// Checks the committed PyTorch fixtures against themselves: shapes, PyTorch parameter names,
// and that rnn_output, features, logits and loss agree with each other under the layout the
// parity tests assume. Needs no model code; a failure here means a bad or stale fixture.

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FixtureTest {

    // Consistency checks recompute float64 sums of a few terms: only rounding differs.
    private static final double TOL = 1e-12;

    static Stream<String> rnnNames() {
        return Fixture.rnnNames().stream();
    }

    @Test
    void indexListsEveryFixtureFile() throws URISyntaxException {
        URL url = Fixture.class.getResource("/fixtures/index.json");
        assertThat(url).isNotNull();
        File dir = new File(url.toURI()).getParentFile();
        TreeSet<String> files = new TreeSet<>();
        for (String f : dir.list()) {
            if (f.endsWith(".json") && !f.equals("index.json")) {
                files.add(f.substring(0, f.length() - ".json".length()));
            }
        }
        TreeSet<String> listed = new TreeSet<>(Fixture.rnnNames());
        listed.addAll(Fixture.otherNames());
        listed.addAll(Fixture.perStepNames());
        assertThat(files).isEqualTo(listed);
        assertThat(Fixture.perStepNames()).hasSize(7);
        assertThat(Fixture.rnnNames()).hasSize(21);
        assertThat(Fixture.otherNames()).containsExactlyInAnyOrder("dense_ce", "softmax_ce_extreme", "adam", "lstm_dense_act");
    }

    @ParameterizedTest
    @MethodSource("rnnNames")
    void rnnFixtureIsConsistent(String name) {
        Fixture f = Fixture.load(name);
        assertThat(f.name()).isEqualTo(name);
        assertThat(f.root().path("name").asText()).isEqualTo(name);
        assertThat(f.root().path("dtype").asText()).isEqualTo("float64");
        assertThat(f.seed()).isPositive();
        assertThat(f.cell()).isIn("rnn", "lstm", "gru");
        assertThat(f.mode()).isIn("packed", "padded");
        assertThat(f.head()).isIn("last", "mean", "max");
        assertThat(f.layers()).isBetween(1, 2);
        assertThat(f.mergeMode()).isIn("concat", "sum", "mean", "mul");
        if (!f.mergeMode().equals("concat")) assertThat(f.bidirectional()).as("merge_mode needs two directions").isTrue();
        if (f.goBackwards()) assertThat(f.bidirectional()).as("go_backwards is one direction").isFalse();

        int b = f.tokens().length;
        int k = f.classes();
        int h = f.hidden();
        int dirs = f.directions();
        int w = width(f); // one step's output: H·dirs concatenated, else H
        int[] len = f.lengths();
        int steps = Arrays.stream(len).max().orElseThrow();
        assertThat(f.labels()).hasSize(b);
        assertThat(Arrays.stream(f.labels()).allMatch(y -> y >= 0 && y < k)).as("labels in range").isTrue();
        for (int[] seq : f.tokens()) {
            assertThat(seq).isNotEmpty();
            assertThat(Arrays.stream(seq).allMatch(id -> id >= 2 && id < f.vocab())).as("ids in 2..V-1").isTrue();
        }
        assertThat(Arrays.stream(len).distinct().count()).as("distinct lengths").isEqualTo(b);
        assertThat(len).as("unsorted lengths").isNotEqualTo(Arrays.stream(len).sorted().toArray());

        // PyTorch names, named_parameters() order and shapes, derived from the config.
        List<String> expectedNames = expectedParamNames(f);
        assertThat(f.paramOrder()).containsExactlyElementsOf(expectedNames);
        assertThat(fieldNames(f, "params")).containsExactlyElementsOf(expectedNames);
        assertThat(fieldNames(f, "grads")).containsExactlyElementsOf(expectedNames);
        int gates = switch (f.cell()) {
            case "lstm" -> 4;
            case "gru" -> 3;
            default -> 1;
        };
        for (String p : expectedNames) {
            int[] shape = f.shape(p);
            assertThat(f.param(p)).as(p).hasSize(product(shape));
            assertThat(f.gradShape(p)).as(p).isEqualTo(shape);
            assertThat(f.grad(p)).as(p).hasSize(product(shape));
            assertThat(f.adamTorchAfter(p)).as(p).hasSize(product(shape));
            assertThat(f.adamKerasAfter(p)).as(p).hasSize(product(shape));
            assertThat(shape).as(p).isEqualTo(expectedShape(p, f, gates));
        }

        assertThat(f.rnnOutputShape()).isEqualTo(new int[] {b, steps, w});
        assertThat(f.rnnOutput()).hasSize(b * steps * w);
        assertThat(f.tensorShape("h_n")).isEqualTo(new int[] {f.layers() * dirs, b, h});
        assertThat(f.has("c_n")).isEqualTo(f.cell().equals("lstm"));
        assertThat(f.tensorShape("features")).isEqualTo(new int[] {b, w});
        assertThat(f.tensorShape("logits")).isEqualTo(new int[] {b, k});
        assertThat(f.loss()).isFinite().isPositive();

        // Embedding row 0 is random, so a padding mistake shows; packed mode never reads it.
        double[] emb = f.param("embedding.weight");
        double[] dEmb = f.grad("embedding.weight");
        int e = f.embed();
        assertThat(Arrays.stream(emb, 0, e).allMatch(v -> v != 0)).as("embedding row 0 non-zero").isTrue();
        double row0 = Arrays.stream(Arrays.copyOfRange(dEmb, 0, e)).map(Math::abs).max().orElseThrow();
        if (f.mode().equals("packed")) {
            assertThat(row0).isZero();
        } else {
            assertThat(row0).isPositive();
        }

        checkOutputsAgree(f, b, steps, h, w, len);

        assertThat(f.adamLr()).isEqualTo(0.01);
        assertThat(f.adamTorch().path("steps").asInt()).isEqualTo(2);
        assertThat(f.adamKeras().path("epsilon").asDouble()).isEqualTo(1e-7);
        assertThat(f.adamTorch().path("eps").asDouble()).isEqualTo(1e-8);
        assertThat(f.adamTorch().path("losses").get(0).asDouble()).isEqualTo(f.loss());
        double[] fcAfter = f.adamTorchAfter("fc.weight");
        assertThat(Close.relativeError(f.param("fc.weight"), fcAfter)).isGreaterThan(1e-3);
    }

    /**
     * rnn_output, h_n, features, logits and loss must agree under the documented layout: a
     * backward direction's final state sits at step 0 of its output (go_backwards keeps each
     * state at its token), and a non-concat merge combines the two final states as it combines
     * the outputs.
     */
    private static void checkOutputsAgree(Fixture f, int b, int steps, int h, int hd, int[] len) {
        double[] out = f.rnnOutput(); // (B, T, W)
        int dirs = f.directions();
        boolean concat = f.mergeMode().equals("concat");
        boolean packed = f.mode().equals("packed");
        double[] expectedFeat = new double[b * hd];
        double[] hn = f.tensor("h_n"); // (L*dirs, B, H)
        int lastLayer = (f.layers() - 1) * dirs;
        for (int i = 0; i < b; i++) {
            int n = packed ? len[i] : steps; // steps the RNN saw
            for (int t = n; t < steps; t++) {
                for (int j = 0; j < hd; j++) {
                    assertThat(out[(i * steps + t) * hd + j]).as("padded output").isZero();
                }
            }
            for (int j = 0; j < hd; j++) {
                double v;
                switch (f.head()) {
                    case "last" -> {
                        int dir = j < h ? 0 : 1;
                        if (concat) {
                            // Forward half: output at the last step seen; backward half: at step 0.
                            boolean backward = dir == 1 || f.goBackwards();
                            v = out[(i * steps + (backward ? 0 : n - 1)) * hd + j];
                            assertThat(hn[((lastLayer + dir) * b + i) * h + j % h]).as("h_n vs output")
                                    .isCloseTo(v, Offset.offset(TOL));
                        } else {
                            double fw = hn[(lastLayer * b + i) * h + j];
                            double bw = hn[((lastLayer + 1) * b + i) * h + j];
                            v = switch (f.mergeMode()) {
                                case "sum" -> fw + bw;
                                case "mean" -> 0.5 * (fw + bw);
                                default -> fw * bw;
                            };
                        }
                    }
                    case "mean" -> {
                        double s = 0;
                        for (int t = 0; t < n; t++) {
                            s += out[(i * steps + t) * hd + j];
                        }
                        v = s / n;
                    }
                    default -> {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int t = 0; t < n; t++) {
                            m = Math.max(m, out[(i * steps + t) * hd + j]);
                        }
                        v = m;
                    }
                }
                expectedFeat[i * hd + j] = v;
            }
        }
        Close.assertClose(f.name() + " features", expectedFeat, f.tensor("features"), TOL);

        double[] logits = linear(expectedFeat, b, hd, f.param("fc.weight"), f.param("fc.bias"), f.classes());
        Close.assertClose(f.name() + " logits", logits, f.logits(), TOL);
        Close.assertClose(f.name() + " loss", crossEntropy(logits, f.labels(), f.classes()), f.loss(), TOL);
    }

    @Test
    void denseCe() {
        Fixture f = Fixture.load("dense_ce");
        int b = f.config().path("batch").asInt();
        int in = f.config().path("in").asInt();
        int k = f.classes();
        assertThat(f.tensorShape("x")).isEqualTo(new int[] {b, in});
        assertThat(f.shape("fc.weight")).isEqualTo(new int[] {k, in});
        assertThat(f.shape("fc.bias")).isEqualTo(new int[] {k});
        assertThat(f.gradShape("fc.weight")).isEqualTo(new int[] {k, in});
        assertThat(f.tensorShape("dx")).isEqualTo(new int[] {b, in});
        assertThat(f.labels()).hasSize(b);
        double[] logits = linear(f.tensor("x"), b, in, f.param("fc.weight"), f.param("fc.bias"), k);
        Close.assertClose("dense_ce logits", logits, f.logits(), TOL);
        Close.assertClose("dense_ce loss", crossEntropy(logits, f.labels(), k), f.loss(), TOL);
        // dlogits = (softmax - onehot) / B; dx = dlogits W; dW = dlogits^T x; db = sum dlogits.
        double[] dl = dLogits(logits, f.labels(), k);
        double[] w = f.param("fc.weight");
        double[] x = f.tensor("x");
        double[] dx = new double[b * in];
        double[] dw = new double[k * in];
        double[] db = new double[k];
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < k; c++) {
                db[c] += dl[i * k + c];
                for (int j = 0; j < in; j++) {
                    dx[i * in + j] += dl[i * k + c] * w[c * in + j];
                    dw[c * in + j] += dl[i * k + c] * x[i * in + j];
                }
            }
        }
        Close.assertClose("dense_ce dx", dx, f.tensor("dx"), TOL);
        Close.assertClose("dense_ce dW", dw, f.grad("fc.weight"), TOL);
        Close.assertClose("dense_ce db", db, f.grad("fc.bias"), TOL);
    }

    @Test
    void softmaxCeExtreme() {
        Fixture f = Fixture.load("softmax_ce_extreme");
        int[] shape = f.tensorShape("logits");
        int b = shape[0];
        int k = shape[1];
        assertThat(f.labels()).hasSize(b);
        assertThat(f.tensorShape("dlogits")).isEqualTo(shape);
        assertThat(f.tensorShape("per_example_loss")).isEqualTo(new int[] {b});
        assertThat(Arrays.stream(f.logits()).map(Math::abs).max().orElseThrow()).isGreaterThanOrEqualTo(100);
        double[] logits = f.logits();
        Close.assertClose("extreme loss", crossEntropy(logits, f.labels(), k), f.loss(), TOL);
        Close.assertClose("extreme dlogits", dLogits(logits, f.labels(), k), f.tensor("dlogits"), TOL);
    }

    /** Both Adam formulas, written out again, reproduce the adam fixture from its gradients. */
    @Test
    void adamFormulas() {
        Fixture f = Fixture.load("adam");
        double lr = f.adamLr();
        double b1 = 0.9;
        double b2 = 0.999;
        for (boolean keras : new boolean[] {false, true}) {
            String section = keras ? "adam_keras" : "adam_torch";
            double eps = keras ? f.adamKeras().path("epsilon").asDouble() : f.adamTorch().path("eps").asDouble();
            for (String p : f.paramOrder()) {
                double[] w = f.param(p);
                double[] m = new double[w.length];
                double[] v = new double[w.length];
                for (int step = 1; step <= 2; step++) {
                    double[] g = f.tensorAt("grads_per_step", Integer.toString(step - 1), p);
                    double bc1 = 1 - Math.pow(b1, step);
                    double bc2 = 1 - Math.pow(b2, step);
                    for (int i = 0; i < w.length; i++) {
                        m[i] = b1 * m[i] + (1 - b1) * g[i];
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                        if (keras) {
                            // keras/src/optimizers/adam.py: epsilon added to the uncorrected sqrt(v).
                            w[i] -= lr * Math.sqrt(bc2) / bc1 * m[i] / (Math.sqrt(v[i]) + eps);
                        } else {
                            // torch/optim/adam.py: eps added to sqrt(v / bc2).
                            w[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
                        }
                    }
                    String key = step == 1 ? "params_after_step1" : "params_after";
                    Close.assertClose(section + " " + key + " " + p, f.tensorAt(section, key, p), w, TOL);
                }
                Close.assertClose(section + " m " + p, f.tensorAt(section, "m", p), m, TOL);
                Close.assertClose(section + " v " + p, f.tensorAt(section, "v", p), v, TOL);
            }
        }
        // The epsilon placement is visible: w[1][0] has |g| ~ 1e-9, below both epsilons.
        double torchW = f.tensorAt("adam_torch", "params_after", "w")[3];
        double kerasW = f.tensorAt("adam_keras", "params_after", "w")[3];
        assertThat(Math.abs(torchW - kerasW)).isGreaterThan(1e-4);
    }

    @Test
    void missingFixtureNamesTheRerunCommand() {
        assertThatThrownBy(() -> Fixture.load("no_such_fixture"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no_such_fixture")
                .hasMessageContaining(Fixture.RERUN);
    }

    @Test
    void staleVersionNamesTheRerunCommand() {
        ObjectNode doc = new ObjectMapper().createObjectNode().put("magic", Fixture.MAGIC).put("version", 0);
        assertThatThrownBy(() -> Fixture.of("old", doc))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version 0")
                .hasMessageContaining(Fixture.RERUN);
        ObjectNode bad = new ObjectMapper().createObjectNode().put("magic", "other").put("version", 1);
        assertThatThrownBy(() -> Fixture.of("bad", bad)).hasMessageContaining("magic");
    }

    @Test
    void unknownParamListsTheKnownOnes() {
        Fixture f = Fixture.load("rnn_packed_last");
        assertThatThrownBy(() -> f.param("rnn.weight_ih_l1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rnn.weight_ih_l0");
    }

    @Test
    void paddedTokensArePostPaddedWithZero() {
        Fixture f = Fixture.load("lstm_padded_last");
        int[][] p = f.paddedTokens();
        int[][] t = f.tokens();
        for (int i = 0; i < t.length; i++) {
            assertThat(Arrays.copyOf(p[i], t[i].length)).isEqualTo(t[i]);
            assertThat(Arrays.stream(p[i], t[i].length, p[i].length).allMatch(id -> id == 0)).isTrue();
        }
    }

    // ---------------------------------------------------------------------------- helpers

    private static List<String> expectedParamNames(Fixture f) {
        List<String> names = new ArrayList<>();
        names.add("embedding.weight");
        for (int l = 0; l < f.layers(); l++) {
            for (int d = 0; d < f.directions(); d++) {
                String suffix = "_l" + l + (d == 1 ? "_reverse" : "");
                for (String w : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) {
                    names.add("rnn." + w + suffix);
                }
            }
        }
        names.add("fc.weight");
        names.add("fc.bias");
        return names;
    }

    private static int[] expectedShape(String p, Fixture f, int gates) {
        int h = f.hidden();
        int hd = width(f);
        if (p.equals("embedding.weight")) {
            return new int[] {f.vocab(), f.embed()};
        }
        if (p.equals("fc.weight")) {
            return new int[] {f.classes(), hd};
        }
        if (p.equals("fc.bias")) {
            return new int[] {f.classes()};
        }
        int in = p.contains("_l0") ? f.embed() : hd;
        if (p.startsWith("rnn.weight_ih")) {
            return new int[] {gates * h, in};
        }
        if (p.startsWith("rnn.weight_hh")) {
            return new int[] {gates * h, h};
        }
        return new int[] {gates * h};
    }

    /** Width of one step's output and of the features: H·dirs when concatenated, else H. */
    private static int width(Fixture f) {
        return f.mergeMode().equals("concat") ? f.hidden() * f.directions() : f.hidden();
    }

    private static List<String> fieldNames(Fixture f, String group) {
        List<String> out = new ArrayList<>();
        f.root().path(group).fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static int product(int[] shape) {
        int p = 1;
        for (int s : shape) {
            p *= s;
        }
        return p;
    }

    /** y = x W^T + b; x (B, I), W (K, I). */
    private static double[] linear(double[] x, int b, int in, double[] w, double[] bias, int k) {
        double[] y = new double[b * k];
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < k; c++) {
                double s = bias[c];
                for (int j = 0; j < in; j++) {
                    s += x[i * in + j] * w[c * in + j];
                }
                y[i * k + c] = s;
            }
        }
        return y;
    }

    private static double logSumExp(double[] z, int off, int k) {
        double m = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            m = Math.max(m, z[off + c]);
        }
        double s = 0;
        for (int c = 0; c < k; c++) {
            s += Math.exp(z[off + c] - m);
        }
        return m + Math.log(s);
    }

    private static double crossEntropy(double[] logits, int[] labels, int k) {
        double s = 0;
        for (int i = 0; i < labels.length; i++) {
            s += logSumExp(logits, i * k, k) - logits[i * k + labels[i]];
        }
        return s / labels.length;
    }

    private static double[] dLogits(double[] logits, int[] labels, int k) {
        int b = labels.length;
        double[] d = new double[b * k];
        for (int i = 0; i < b; i++) {
            double lse = logSumExp(logits, i * k, k);
            for (int c = 0; c < k; c++) {
                d[i * k + c] = (Math.exp(logits[i * k + c] - lse) - (c == labels[i] ? 1 : 0)) / b;
            }
        }
        return d;
    }
}
