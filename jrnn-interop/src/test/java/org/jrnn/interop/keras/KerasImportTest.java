package org.jrnn.interop.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture of tools/reference/make_keras_fixtures.py imports and gives the NumPy reference's
 * probabilities (the Keras layer math) within 1e-5, on unpadded and padded batches; refused
 * fixtures fail with one line naming the layer and its class.
 */
class KerasImportTest {
    static final double TOLERANCE = 1e-5;

    static Stream<KerasFixtures.Fixture> imported() throws IOException {
        return KerasFixtures.all().stream().filter(f -> f.refusal() == null);
    }

    static Stream<KerasFixtures.Fixture> refused() throws IOException {
        return KerasFixtures.all().stream().filter(f -> f.refusal() != null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imported")
    void matchesTheNumPyReference(KerasFixtures.Fixture f) throws IOException {
        SavedModel m = KerasImport.read(f.file(), f.vocab(), null).model();
        JsonNode expected = KerasFixtures.JSON.readTree(KerasFixtures.dir().resolve(f.name() + ".expected.json").toFile());
        int batches = 0;
        for (JsonNode batch : expected.get("batches")) {
            int[][] tokens = KerasFixtures.JSON.convertValue(batch.get("tokens"), int[][].class);
            double[][] want = KerasFixtures.JSON.convertValue(batch.get("probabilities"), double[][].class);
            assertClose(m.model(), tokens, want, f + " " + batch.get("name").asText());
            batches++;
        }
        assertThat(batches).isEqualTo(2);
    }

    /**
     * Unpadded texts are predicted one by one (the reference saw each alone) and, for masked models, also as one
     * ragged batch; padded batches as given.
     */
    private static void assertClose(Sequential model, int[][] tokens, double[][] want, String what) {
        boolean ragged = Stream.of(tokens).mapToInt(t -> t.length).distinct().count() > 1;
        float[][] got;
        if (ragged) {
            got = new float[tokens.length][];
            for (int i = 0; i < tokens.length; i++) got[i] = model.predictProbabilities(new int[][] {tokens[i]})[0];
            if (model.embedding().maskZero()) assertWithin(model.predictProbabilities(tokens), want, what + " (one batch)");
        } else {
            got = model.predictProbabilities(tokens);
        }
        assertWithin(got, want, what);
    }

    private static void assertWithin(float[][] got, double[][] want, String what) {
        assertThat(got.length).isEqualTo(want.length);
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as(what).hasSize(want[i].length);
            for (int j = 0; j < want[i].length; j++) max = Math.max(max, Math.abs(got[i][j] - want[i][j]));
        }
        assertThat(max).as("%s: max |jrnn - NumPy reference|", what).isLessThan(TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void unsupportedModelsAreRefusedByLayerName(KerasFixtures.Fixture f) {
        assertThatThrownBy(() -> KerasImport.read(f.file(), KerasFixtures.dir().resolve("vocab.txt"), null))
                .isInstanceOf(KerasFormatException.class)
                .hasMessageStartingWith(f.file().toString() + ": ")
                .hasMessageContaining(f.refusal())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
    }

    @Test
    void theImportedModelSurvivesAModelFile(@TempDir Path dir) throws IOException {
        KerasFixtures.Fixture f = new KerasFixtures.Fixture("stacked", "keras", true, null);
        KerasImport.Result r = KerasImport.read(f.file(), null, List.of("World", "Sports", "Business"));
        Path out = dir.resolve("stacked.jrnn");
        ModelFile.save(out, r.model());
        SavedModel back = ModelFile.load(out);
        int[][] tokens = {{2, 8, 9}, {20, 21}};
        assertThat(back.model().predictProbabilities(tokens)).isDeepEqualTo(r.model().model().predictProbabilities(tokens));
        assertThat(back.classNames()).containsExactly("World", "Sports", "Business");
        assertThat(back.vectorizer().vocabulary()).hasSize(24).startsWith("", "[UNK]", "the");
        assertThat(r.table()).contains("bidirectional", "Bidirectional(GRU)", "rnn.weight_ih_l1_reverse", "fc1.weight");
    }

    @Test
    void aStoredVocabularyIsRequiredOrGiven() {
        KerasFixtures.Fixture f = new KerasFixtures.Fixture("lstm", "h5", false, null);
        assertThatThrownBy(() -> KerasImport.read(f.file(), null, null)).isInstanceOf(KerasFormatException.class)
                .hasMessageContaining("has no TextVectorization layer").hasMessageContaining("--vocab FILE");
    }

    @Test
    void classNamesMustMatchTheOutputs() {
        KerasFixtures.Fixture f = new KerasFixtures.Fixture("gru", "keras", true, null);
        assertThatThrownBy(() -> KerasImport.read(f.file(), null, List.of("a", "b"))).isInstanceOf(KerasFormatException.class)
                .hasMessageContaining("3 outputs but 2 class names");
    }

    @Test
    void snakeCaseIsKerasOwn() {
        assertThat(KerasImport.snakeCase("GlobalAveragePooling1D")).isEqualTo("global_average_pooling1d");
        assertThat(KerasImport.snakeCase("SimpleRNN")).isEqualTo("simple_rnn");
        assertThat(KerasImport.snakeCase("TextVectorization")).isEqualTo("text_vectorization");
        assertThat(KerasImport.snakeCase("LSTM")).isEqualTo("lstm");
    }
}
