package org.jrnn.io;

// Committed model files must keep loading and predicting the same (STYLE.md 6.4; tribuo's
// dense-matrix-431.tribuo): a jrnn-made file of format version 1, and a file converted from PyTorch by
// tools/from_pytorch.py whose probabilities PyTorch computed (tools/reference/make_io_fixtures.py).

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.data.TextField;
import org.jrnn.nn.Bidirectional;
import org.jrnn.nn.GRU;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.LayerSpec;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.TrainJob;
import org.jrnn.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

class ModelFileCompatibilityTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ModelFileCompatibilityTest.class.getResource("/io/" + name).toURI());
    }

    static JsonNode json(String name) throws IOException {
        try (InputStream in = ModelFileCompatibilityTest.class.getResourceAsStream("/io/" + name)) {
            return JSON.readTree(in);
        }
    }

    @Test
    void pytorchConvertedModelGivesPyTorchsProbabilities() throws Exception {
        JsonNode fx = json("pytorch_converted.json");
        assertThat(fx.get("magic").asText()).as("stale fixture? rerun: " + fx.path("rerun").asText()).isEqualTo("jrnn-io-fixture");
        SavedModel m = ModelFile.load(resource("pytorch_converted.jrnn"));
        assertThat(m.classNames()).containsExactly("World", "Sports", "Business");
        assertThat(m.model().layers().get(0)).isInstanceOf(Bidirectional.class);
        assertThat(((Bidirectional) m.model().layers().get(0)).forwardLayer()).isInstanceOf(GRU.class);
        assertThat(m.training()).isNull();
        assertThat(m.producer()).startsWith("tools/from_pytorch.py");
        double maxDiff = 0;
        for (int i = 0; i < fx.get("texts").size(); i++) {
            String text = fx.get("texts").get(i).asText();
            int[] ids = m.vectorizer().encode(text);
            assertThat(ids).as(text).containsExactly(JSON.treeToValue(fx.get("token_ids").get(i), int[].class));
            float[] p = m.model().predictProbabilities(new int[][] {ids})[0];
            JsonNode expected = fx.get("probabilities").get(i);
            for (int c = 0; c < p.length; c++) {
                double d = Math.abs(p[c] - expected.get(c).asDouble());
                maxDiff = Math.max(maxDiff, d);
                assertThat(d).as("text %d class %d", i, c).isLessThanOrEqualTo(1e-4);
            }
        }
        System.out.printf("pytorch_converted.jrnn: max |p_jrnn - p_torch| = %.2e%n", maxDiff);
    }

    static final List<String> V1_TEXTS = List.of(
            "Stocks rally as oil prices fall",
            "Striker scores twice as champions win the cup final",
            "Prime minister visits troops ahead of election",
            "New chip makes laptops faster, software maker says",
            "");

    @Test
    void formatVersion1FileStillLoadsAndPredictsTheSame() throws Exception {
        JsonNode fx = json("model-v1.json");
        SavedModel m = ModelFile.load(resource("model-v1.jrnn"));
        assertThat(m.classNames()).containsExactly("World", "Sports", "Business", "Sci/Tech");
        assertThat(m.textField()).isEqualTo(TextField.TITLE_AND_DESCRIPTION);
        assertThat(m.model().stateDict().keySet()).contains("rnn.weight_ih_l0_reverse", "fc1.weight");
        assertThat(m.history()).hasSize(2);
        assertThat(m.training().preset()).isEqualTo("gru");
        for (int i = 0; i < V1_TEXTS.size(); i++) {
            float[] p = m.model().predictProbabilities(new int[][] {m.vectorizer().encode(V1_TEXTS.get(i))})[0];
            for (int c = 0; c < p.length; c++) {
                assertThat((double) p[c]).as("text %d class %d", i, c)
                        .isCloseTo(fx.get("probabilities").get(i).get(c).asDouble(), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    /**
     * Rewrites model-v1.jrnn/.json; run only while format version 1 is current:
     * {@code mvn -B -q test -Dtest=ModelFileCompatibilityTest -Djrnn.regenerateFixtures=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "jrnn.regenerateFixtures", matches = "true")
    void regenerateModelV1() throws Exception {
        assertThat(ModelFile.FORMAT_VERSION).as("model-v1 must stay a version-1 file").isEqualTo(1);
        // Small on purpose (a few kB), yet every kind of layer and both Dense names: fc, fc1.
        ModelSpec spec = new ModelSpec(8, true, List.of(
                LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 6, true)), LayerSpec.of("GlobalMaxPooling1D"),
                LayerSpec.dropout(0.1), new LayerSpec("Dense", 8, null, null, null, null)));
        TrainConfig cfg = TrainConfig.builder(Preset.get("gru")).model(spec).epochs(2).batchSize(32).seed(11).vocabSize(300)
                .maxTrainSamples(1200).learningRate(3e-3).threads(1).build();
        TrainJob.Prepared data = TrainJob.prepare(cfg);
        TrainJob.Result r = TrainJob.run(cfg, data, TrainJob.buildModel(cfg, data), TrainingListener.NONE);
        Path dir = Path.of("src/test/resources/io");
        Files.createDirectories(dir);
        SavedModel m = r.toSavedModel();
        ModelFile.save(dir.resolve("model-v1.jrnn"), m);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("comment", "Probabilities of V1_TEXTS in ModelFileCompatibilityTest, from model-v1.jrnn when it was written");
        out.put("texts", V1_TEXTS);
        float[][] probs = new float[V1_TEXTS.size()][];
        for (int i = 0; i < probs.length; i++) probs[i] = m.model().predictProbabilities(new int[][] {m.vectorizer().encode(V1_TEXTS.get(i))})[0];
        out.put("probabilities", probs);
        Files.writeString(dir.resolve("model-v1.json"), JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n");
    }
}
