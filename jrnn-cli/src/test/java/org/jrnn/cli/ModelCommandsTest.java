package org.jrnn.cli;

// train --out -> evaluate -> predict, in-process on the embedded sample (STYLE.md 6.5), and every
// hostile model file through both commands: exit 2, one line naming the file, no output files.

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path model;
    static String trainOut;

    static CliTest.Run withStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int code = Main.execute(args, in, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliTest.Run(code, out.toString(), err.toString());
    }

    static CliTest.Run run(String... args) {
        return withStdin("", args);
    }

    @BeforeAll
    static void trainOneEpoch() {
        model = shared.resolve("models/agnews.jrnn");
        CliTest.Run r = run("train", "--max-train-samples", "1500", "--epochs", "1", "--quiet", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        trainOut = r.out();
    }

    @Test
    void trainWritesALoadableModelWithItsHistory() throws Exception {
        assertThat(trainOut).contains("saved model to " + model);
        SavedModel m = ModelFile.load(model);
        assertThat(m.classNames()).containsExactly("World", "Sports", "Business", "Sci/Tech");
        assertThat(m.training().preset()).isEqualTo("rnn_masked");
        assertThat(m.training().trainRows()).isEqualTo(1500);
        assertThat(m.history()).hasSize(1);
        assertThat(m.producer()).isEqualTo(SavedModel.producerName());
        try (Stream<Path> files = Files.list(model.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("agnews.jrnn");
        }
    }

    @Test
    void evaluatePrintsTheTableWritesJsonAndPlotsAndAgreesWithTraining(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("eval.json");
        Path plots = dir.resolve("plots");
        CliTest.Run r = run("evaluate", "--model", model.toString(), "--json-out", json.toString(), "--plots", plots.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ag_news_sample (embedded) test", "precision", "macro avg", "true \\ pred", "Sci/Tech",
                "wrote " + plots.resolve("confusion_matrix.png"), "wrote " + plots.resolve("training_curves.png"));
        JsonNode j = JSON.readTree(json.toFile());
        assertThat(j.get("samples").asInt()).isEqualTo(1900);
        assertThat(j.get("classes").size()).isEqualTo(4);
        assertThat(j.get("confusion_matrix").get("counts").size()).isEqualTo(4);
        Matcher fin = Pattern.compile("final: val_accuracy ([0-9.]+), val_loss ([0-9.]+)").matcher(trainOut);
        assertThat(fin.find()).as(trainOut).isTrue();
        assertThat(String.format(Locale.ROOT, "%.4f", j.get("accuracy").asDouble())).isEqualTo(fin.group(1));
        assertThat(String.format(Locale.ROOT, "%.4f", j.get("loss").asDouble())).isEqualTo(fin.group(2));
        for (String png : List.of("confusion_matrix.png", "training_curves.png")) {
            assertThat(ImageIO.read(plots.resolve(png).toFile())).as(png).isNotNull();
        }
    }

    @Test
    void evaluateReadsAGivenTestFileOrFolder(@TempDir Path dir) throws Exception {
        Path test = CliTest.write(dir, "test.csv", CliTest.GOOD_ROWS);
        CliTest.Run r = run("evaluate", "--model", model.toString(), "--test", test.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("samples 4 ");
        r = run("evaluate", "--model", model.toString(), "--data", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("samples 4 ");
    }

    static JsonNode line(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void predictTextArgumentsPrintsOneJsonLineEach() throws Exception {
        CliTest.Run r = run("predict", "--model", model.toString(), "Federer wins the final in straight sets",
                "Oil prices rise as stocks fall", "--top-k", "3");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode p = line(lines.get(0));
        assertThat(p.get("text").asText()).isEqualTo("Federer wins the final in straight sets");
        assertThat(List.of("World", "Sports", "Business", "Sci/Tech")).contains(p.get("label").asText());
        assertThat(p.get("label_index").asInt()).isBetween(0, 3);
        assertThat(p.get("probabilities").size()).isEqualTo(4);
        assertThat(p.get("top_k").size()).isEqualTo(3);
        assertThat(p.get("top_k").get(0).get("label").asText()).isEqualTo(p.get("label").asText());
        assertThat(p.has("explain")).isFalse();
        double sum = 0;
        for (JsonNode v : p.get("probabilities")) sum += v.asDouble();
        assertThat(sum).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void predictReadsStdinLinesAndExplains() throws Exception {
        CliTest.Run r = withStdin("Stocks fall on Wall Street\n\nThe team wins the cup\r\n", "predict", "--model", model.toString(), "--explain");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3); // the empty line is a text too
        assertThat(line(lines.get(1)).get("text").asText()).isEmpty();
        assertThat(line(lines.get(1)).get("explain").size()).isZero();
        JsonNode p = line(lines.get(2));
        assertThat(p.get("text").asText()).isEqualTo("The team wins the cup");
        assertThat(p.get("explain").size()).isEqualTo(5);
        assertThat(p.get("explain").get(1).get("token").asText()).isEqualTo("team");
        assertThat(p.get("explain").get(1).has("weight")).isTrue();
        assertThat(p.get("top_k").size()).isEqualTo(2);
    }

    /** N lines in, N lines out, in order: a script can paste input and output side by side. */
    @Test
    void predictOnStdinAnswersEveryLineInOrderEmptyAndBlankOnesToo() throws Exception {
        List<String> texts = List.of("", "Stocks fall on Wall Street", "   ", "", "Café crème brûlée à Zürich", "\t", "Ölpreis 東京 🚀",
                "last line without a newline");
        String stdin = texts.get(0) + "\n" + texts.get(1) + "\r\n" + texts.get(2) + "\n" + texts.get(3) + "\r\n" + texts.get(4) + "\n"
                + texts.get(5) + "\r\n" + texts.get(6) + "\n" + texts.get(7);
        CliTest.Run r = withStdin(stdin, "predict", "--model", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(line(lines.get(i)).get("text").asText()).as("line %d", i + 1).isEqualTo(texts.get(i));
            // the same answer as the argument form gives
            CliTest.Run arg = run("predict", "--model", model.toString(), texts.get(i));
            assertThat(arg.out()).as("line %d", i + 1).isEqualTo(lines.get(i) + System.lineSeparator());
        }
        assertThat(withStdin("\n", "predict", "--model", model.toString()).out().lines()).hasSize(1);
        assertThat(withStdin("\r\n\r\n", "predict", "--model", model.toString()).out().lines()).hasSize(2);
        assertThat(withStdin("", "predict", "--model", model.toString()).out()).isEmpty(); // no line, no text
    }

    @Test
    void predictClassifiesAnAgNewsCsvWithTrueLabels(@TempDir Path dir) throws Exception {
        Path csv = CliTest.write(dir, "rows.csv", CliTest.GOOD_ROWS);
        CliTest.Run r = run("predict", "--model", model.toString(), "--input", csv.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(line(lines.get(0)).get("true_label").asText()).isEqualTo("Business");
        assertThat(line(lines.get(3)).get("true_label").asText()).isEqualTo("Sci/Tech");
    }

    @Test
    void binaryOrInvalidUtf8OnStdinIsAOneLineError() {
        String latin1 = new String(new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'}, StandardCharsets.ISO_8859_1);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        byte[] garbage = new byte[2048];
        new java.util.Random(3).nextBytes(garbage);
        int code = Main.execute(new String[] {"predict", "--model", model.toString()}, new ByteArrayInputStream(garbage),
                new PrintWriter(out, true), new PrintWriter(err, true));
        CliTest.assertOneLineError(new CliTest.Run(code, out.toString(), err.toString()), "<stdin>:", "invalid UTF-8");
        code = Main.execute(new String[] {"predict", "--model", model.toString()},
                new ByteArrayInputStream(latin1.getBytes(StandardCharsets.ISO_8859_1)), new PrintWriter(out, true), new PrintWriter(err = new StringWriter(), true));
        CliTest.assertOneLineError(new CliTest.Run(code, "", err.toString()), "<stdin>:2", "invalid UTF-8");
        CliTest.assertOneLineError(withStdin("text\u0000with nul\n", "predict", "--model", model.toString()), "<stdin>:1", "NUL byte");
        CliTest.assertOneLineError(withStdin("ok\n" + "a".repeat(PredictCommand.MAX_LINE_BYTES + 1), "predict", "--model", model.toString()),
                "<stdin>:2", "line longer than 1048576 bytes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.jrnn.io.TestModels#hostile")
    void hostileModelFilesExitTwoWithOneLineAndWriteNothing(TestModels.Hostile h, @TempDir Path dir) throws Exception {
        Path bad = h.make(dir);
        Path json = dir.resolve("out/eval.json");
        Path plots = dir.resolve("out/plots");
        CliTest.assertOneLineError(run("evaluate", "--model", bad.toString(), "--json-out", json.toString(), "--plots", plots.toString()),
                bad.toString(), h.expected());
        assertThat(dir.resolve("out")).doesNotExist();
        CliTest.assertOneLineError(withStdin("hello\n", "predict", "--model", bad.toString()), bad.toString(), h.expected());
        CliTest.assertOneLineError(run("predict", "--model", bad.toString(), "some text"), bad.toString(), h.expected());
    }

    @Test
    void badOptionsAndMismatchedData(@TempDir Path dir) throws Exception {
        CliTest.assertOneLineError(run("predict", "--model", model.toString(), "--top-k", "0", "x"), "--top-k must be >= 1", "");
        CliTest.assertOneLineError(run("evaluate", "--model", model.toString(), "--data", dir.toString(), "--test", "t.csv"),
                "either --data DIR or --test FILE", "");
        CliTest.assertOneLineError(run("evaluate", "--model", dir.resolve("none.jrnn").toString()), "none.jrnn", "file not found");
        CliTest.assertOneLineError(run("evaluate", "--model", model.toString(), "--data", dir.toString()), "test.csv", "file not found");
        CliTest.Run r = run("predict", "x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--model");
        // a 3-class model cannot be scored on AG News' 4 classes
        Path three = TestModels.saveTiny(dir);
        CliTest.assertOneLineError(run("evaluate", "--model", three.toString()), "label index 3", "the model has 3 classes");
    }
}
