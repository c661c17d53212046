package org.jrnn.interop.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jrnn.data.TextField;
import org.jrnn.io.SavedModel;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.Preset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every preset, every docs/examples architecture, each merge mode and pooling head, masked and unmasked,
 * exported with random weights and run in ONNX Runtime, gives jrnn's probabilities within 1e-5 on padded
 * batches: rows of different lengths, a length-1 row, an empty row, a padding id inside a row.
 */
class OnnxExportTest {
    static final double TOLERANCE = 1e-5;
    static final int VOCAB = 23;
    static final int CLASSES = 4;

    record Case(String name, ModelSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> architectures() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (Preset p : Preset.all()) cases.add(new Case("preset " + p.name(), p.model()));
        try (Stream<Path> files = Files.list(Path.of("..", "docs", "examples"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                cases.add(new Case("docs/examples/" + f.getFileName(), ModelSpec.read(f)));
            }
        }
        for (String merge : List.of("concat", "sum", "mean", "mul")) {
            for (String cell : List.of("SimpleRNN", "LSTM", "GRU")) {
                // Stacked: the first layer's merged sequence feeds the second; the second merges final states.
                cases.add(new Case("bi " + cell + " " + merge, new ModelSpec(7, true, List.of(
                        LayerSpec.bidirectional(LayerSpec.rnn(cell, 5, true), merge),
                        LayerSpec.bidirectional(LayerSpec.rnn(cell, 4, false), merge)))));
            }
        }
        for (boolean masked : List.of(true, false)) {
            String m = masked ? " masked" : " unmasked";
            for (String pool : List.of("GlobalAveragePooling1D", "GlobalMaxPooling1D")) {
                cases.add(new Case(pool + " after LSTM" + m, new ModelSpec(6, masked, List.of(
                        LayerSpec.rnn("LSTM", 5, true), LayerSpec.of(pool)))));
                cases.add(new Case(pool + " after bi GRU, Dense on steps" + m, new ModelSpec(6, masked, List.of(
                        LayerSpec.bidirectional(LayerSpec.rnn("GRU", 5, true)), new LayerSpec("SpatialDropout1D", null, null, null, null, 0.3),
                        LayerSpec.dense(3), LayerSpec.of(pool), LayerSpec.dropout(0.5), LayerSpec.dense(6)))));
                cases.add(new Case(pool + " on the embedding" + m, new ModelSpec(6, masked, List.of(LayerSpec.of(pool)))));
            }
            for (String cell : List.of("SimpleRNN", "LSTM", "GRU")) {
                cases.add(new Case("stacked " + cell + m, new ModelSpec(6, masked, List.of(
                        LayerSpec.rnn(cell, 5, true), LayerSpec.rnn(cell, 4, false), LayerSpec.dense(5)))));
                cases.add(new Case("bi " + cell + m, new ModelSpec(6, masked, List.of(
                        LayerSpec.bidirectional(LayerSpec.rnn(cell, 5, false))))));
            }
        }
        // Dense activations (Relu/Tanh/Sigmoid nodes), on steps and on vectors, and the non-softmax heads.
        List<LayerSpec> activations = List.of(LayerSpec.rnn("LSTM", 5, true), LayerSpec.dense(4, "tanh"),
                LayerSpec.of("GlobalAveragePooling1D"), LayerSpec.dense(6, "relu"), LayerSpec.dense(5, "sigmoid"), LayerSpec.dense(4, "linear"));
        for (String out : List.of("softmax", "sigmoid", "linear")) {
            cases.add(new Case("Dense relu/tanh/sigmoid, " + out + " head", new ModelSpec(6, true, activations).withOutputActivation(out)));
        }
        return cases.stream();
    }

    /** Padded batch: lengths 6, 1, 0 (empty text), 3 with a padding id inside, 4. */
    static final long[][] PADDED = {
            {3, 7, 1, 22, 9, 4},
            {5, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0},
            {8, 0, 2, 0, 0, 0},
            {11, 12, 13, 14, 0, 0}};

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void matchesJrnnInOnnxRuntime(Case c) throws OrtException {
        SavedModel m = model(c.spec(), 42);
        byte[] onnx = OnnxExport.toBytes(m);
        float[][] got = run(onnx, PADDED);
        // jrnn on the same padded rows (unmasked models run over the padding, as the graph does) ...
        assertWithin(got, m.model().predictProbabilities(ints(PADDED)), c + " padded");
        if (c.spec().maskZero()) {
            // ... and, masked, on the texts without padding: padding changes nothing.
            assertWithin(got, m.model().predictProbabilities(unpadded(PADDED)), c + " unpadded");
        }
        // A batch of one text, and a batch with no steps at all (jrnn feeds one padding token).
        assertWithin(run(onnx, new long[][] {{4, 9}}), m.model().predictProbabilities(new int[][] {{4, 9}}), c + " one text");
        assertWithin(run(onnx, new long[2][0]), m.model().predictProbabilities(new int[2][0]), c + " no steps");
    }

    @Test
    void metadataAndVocabularyFile(@TempDir Path dir) throws IOException, OrtException {
        SavedModel m = model(Preset.get("lstm").model(), 1);
        OnnxExport.Written w = OnnxExport.write(m, dir.resolve("m.onnx"), null);
        assertThat(w.vocabulary()).isEqualTo(dir.resolve("vocab.txt").toAbsolutePath());
        assertThat(TextVectorizer.readVocabulary(w.vocabulary()).vocabulary()).isEqualTo(m.vectorizer().vocabulary());
        try (OrtSession s = ORT.createSession(Files.readAllBytes(w.onnx()), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertThat(meta.get(OnnxExport.META_CLASSES)).isEqualTo("[\"c0\",\"c1\",\"c2\",\"c3\"]");
            assertThat(meta.get(OnnxExport.META_VOCABULARY).split("\n", -1)).containsExactlyElementsOf(m.vectorizer().vocabulary());
            assertThat(ModelSpec.parse(meta.get(OnnxExport.META_ARCHITECTURE), "metadata")).isEqualTo(m.architecture());
            assertThat(s.getInputNames()).containsExactly(OnnxExport.INPUT);
            assertThat(s.getOutputNames()).containsExactly(OnnxExport.OUTPUT);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("m.onnx", "vocab.txt");
        }
    }

    // ---------------------------------------------------------------- helpers

    static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();

    static float[][] run(byte[] onnx, long[][] ids) throws OrtException {
        try (OrtSession s = ORT.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor t = ids.length > 0 && ids[0].length == 0
                     ? OnnxTensor.createTensor(ORT, java.nio.LongBuffer.allocate(0), new long[] {ids.length, 0})
                     : OnnxTensor.createTensor(ORT, ids);
             OrtSession.Result r = s.run(Map.of(OnnxExport.INPUT, t))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    /** A model with every parameter drawn from U(−0.5, 0.5), biases included: a swapped gate block shows. */
    static SavedModel model(ModelSpec spec, long seed) {
        Sequential s = spec.build(VOCAB, CLASSES, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Param p : s.params()) {
            for (int i = 0; i < p.data.length; i++) p.data[i] = (float) (rng.nextDouble() - 0.5);
        }
        List<String> vocab = new ArrayList<>(List.of(TextVectorizer.PAD_TOKEN, TextVectorizer.OOV_TOKEN));
        for (int i = 2; i < VOCAB; i++) vocab.add("w" + i);
        return SavedModel.of(spec, TextVectorizer.fromVocabulary(vocab), TextField.TITLE_AND_DESCRIPTION,
                List.of("c0", "c1", "c2", "c3"), s);
    }

    static int[][] ints(long[][] a) {
        int[][] out = new int[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = java.util.Arrays.stream(a[i]).mapToInt(x -> (int) x).toArray();
        return out;
    }

    /** Rows without trailing padding: what the vectorizer gives for each text. */
    static int[][] unpadded(long[][] a) {
        int[][] out = ints(a);
        for (int i = 0; i < out.length; i++) {
            int n = out[i].length;
            while (n > 0 && out[i][n - 1] == 0) n--;
            out[i] = java.util.Arrays.copyOf(out[i], n);
        }
        return out;
    }

    static void assertWithin(float[][] got, float[][] want, String what) {
        assertThat(got.length).as(what).isEqualTo(want.length);
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as(what).hasSize(want[i].length);
            for (int j = 0; j < want[i].length; j++) max = Math.max(max, Math.abs(got[i][j] - want[i][j]));
        }
        assertThat(max).as(what + ": max |onnx − jrnn|").isLessThanOrEqualTo(TOLERANCE);
    }
}
