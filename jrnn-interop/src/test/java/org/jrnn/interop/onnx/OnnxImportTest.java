package org.jrnn.interop.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jrnn.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture of tools/reference/make_onnx_fixtures.py (torch.onnx.export of the lesson's PyTorch
 * classifiers) imports and gives torch's probabilities within 1e-5; refused and crafted files fail in one
 * line naming the node and op type, or the problem, before allocating more than the file holds.
 */
class OnnxImportTest {
    static final Path DIR = Path.of("src", "test", "resources", "onnx");
    static final Path VOCAB = DIR.resolve("vocab.txt");
    static final ObjectMapper JSON = new ObjectMapper();

    record Fixture(String name, String refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Fixture> all() throws IOException {
        JsonNode index = JSON.readTree(DIR.resolve("fixtures.json").toFile());
        assertThat(index.get("magic").asText()).as("rerun " + index.path("rerun").asText()).isEqualTo("jrnn-onnx-fixture");
        assertThat(index.get("format_version").asInt()).as("rerun " + index.path("rerun").asText()).isEqualTo(1);
        List<Fixture> out = new ArrayList<>();
        for (JsonNode f : index.get("fixtures")) out.add(new Fixture(f.get("name").asText(), f.get("refusal").isNull() ? null : f.get("refusal").asText()));
        return out;
    }

    static Stream<Fixture> imported() throws IOException {
        return all().stream().filter(f -> f.refusal() == null);
    }

    static Stream<Fixture> refused() throws IOException {
        return all().stream().filter(f -> f.refusal() != null);
    }

    @Test
    void theFixturesCoverTheLessonsArchitectures() throws IOException {
        assertThat(imported().map(Fixture::name)).contains("lstm", "gru", "rnn_stacked", "bi_lstm", "bi_gru_stacked", "gru_time_major");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imported")
    void matchesTorch(Fixture f) throws IOException {
        OnnxImport.Result r = OnnxImport.read(DIR.resolve(f.name() + ".onnx"), VOCAB, null);
        SavedModel m = r.model();
        assertThat(m.architecture().maskZero()).isFalse();
        JsonNode expected = JSON.readTree(DIR.resolve(f.name() + ".expected.json").toFile());
        int batches = 0;
        for (JsonNode b : expected.get("batches")) {
            int[][] tokens = JSON.convertValue(b.get("tokens"), int[][].class);
            double[][] want = JSON.convertValue(b.get("probabilities"), double[][].class);
            float[][] got = m.model().predictProbabilities(tokens);
            double max = 0;
            for (int i = 0; i < want.length; i++) for (int j = 0; j < want[i].length; j++) max = Math.max(max, Math.abs(got[i][j] - want[i][j]));
            assertThat(max).as(f + " " + b.get("name").asText() + ": max |jrnn − torch|").isLessThanOrEqualTo(1e-5);
            batches++;
        }
        assertThat(batches).isEqualTo(2);
        assertThat(r.table()).contains("rnn.weight_ih_l0", "fc.weight");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesByNodeAndOpType(Fixture f) {
        assertThatThrownBy(() -> OnnxImport.read(DIR.resolve(f.name() + ".onnx"), VOCAB, null))
                .isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining(f.refusal())
                .hasMessageContaining("node '")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void classNamesAndVocabularyAreChecked() {
        Path lstm = DIR.resolve("lstm.onnx");
        assertThatThrownBy(() -> OnnxImport.read(lstm, VOCAB, List.of("a", "b")))
                .isInstanceOf(OnnxFormatException.class).hasMessageContaining("3 outputs but 2 class names");
        assertThatThrownBy(() -> OnnxImport.read(lstm, null, null))
                .isInstanceOf(OnnxFormatException.class).hasMessageContaining("--vocab FILE");
    }

    /** jrnn's own export computes sequence_lens in the graph: not a torch graph, refused by name (no round trip yet). */
    @Test
    void jrnnsOwnExportIsRefusedByName(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("own.onnx");
        Files.write(f, OnnxExport.toBytes(OnnxExportTest.model(org.jrnn.train.Preset.get("gru").model(), 3)));
        assertThatThrownBy(() -> OnnxImport.read(f, VOCAB, null)).isInstanceOf(OnnxFormatException.class).hasMessageContaining("node '");
    }

    // ---------------------------------------------------------------- crafted files

    @Test
    void notOnnx(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.onnx");
        Files.writeString(f, "hello, this is not protobuf");
        assertThatThrownBy(() -> OnnxImport.read(f, VOCAB, null)).isInstanceOf(OnnxFormatException.class)
                .hasMessageStartingWith(f + ": not a valid ONNX file");
    }

    @Test
    void truncatedFile(@TempDir Path dir) throws IOException {
        byte[] b = Files.readAllBytes(DIR.resolve("bi_lstm.onnx"));
        Path f = dir.resolve("t.onnx");
        Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> OnnxImport.read(f, VOCAB, null)).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("not a valid ONNX file");
    }

    /** A tensor declaring 2^40 elements over a few bytes fails before anything of that size is allocated. */
    @Test
    void hugeTensorDimsFailBeforeAllocating(@TempDir Path dir) throws IOException {
        Onnx.Tensor huge = new Onnx.Tensor("embedding.weight", new long[] {1L << 20, 1L << 20}, Onnx.FLOAT, new float[4], null);
        assertThat(crafted(dir, huge)).contains("embedding.weight").contains("more than");
        Onnx.Tensor lying = new Onnx.Tensor("embedding.weight", new long[] {1000, 1000}, Onnx.FLOAT, new float[4], null);
        assertThat(crafted(dir, lying)).contains("declares 1000000 floats but holds 16 bytes");
        Onnx.Tensor negative = new Onnx.Tensor("embedding.weight", new long[] {-1, 4}, Onnx.FLOAT, new float[4], null);
        assertThat(crafted(dir, negative)).contains("dimension -1");
    }

    /** The message of importing a one-node graph whose only initializer is {@code t} (encoded with dims as given). */
    private static String crafted(Path dir, Onnx.Tensor t) throws IOException {
        Onnx.Graph g = new Onnx.Graph("g", List.of(), List.of(t), List.of(), List.of());
        byte[] bytes = Onnx.encode(new Onnx.Model(8, java.util.Map.of("", 17L), "crafted", "1", g, java.util.Map.of()));
        Path f = dir.resolve("crafted.onnx");
        Files.write(f, bytes);
        try {
            OnnxImport.read(f, VOCAB, null);
        } catch (OnnxFormatException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("crafted file imported");
    }
}
