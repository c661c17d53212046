package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CLI end to end, in-process: exit codes, output, files, and one-line errors for bad input. */
class CliTest {
    record Run(int code, String out, String err) {}

    /** The repository's root (the tests run in jrnn-cli). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /**
     * The {@code ./jrnn} lines of the first {@code ```sh} block after the README heading {@code section}, each
     * split into arguments as a shell would ("double quotes" group words), without the {@code ./jrnn}.
     */
    static List<String[]> readmeCommands(String section) throws java.io.IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int at = readme.indexOf(section);
        assertThat(at).as("README section " + section).isNotNegative();
        int from = readme.indexOf("```sh\n", at) + 6;
        String block = readme.substring(from, readme.indexOf("```", from));
        List<String[]> out = new ArrayList<>();
        for (String line : block.split("\n")) {
            if (!line.startsWith("./jrnn ")) continue;
            List<String> args = new ArrayList<>();
            var m = java.util.regex.Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line.substring("./jrnn ".length()));
            while (m.find()) args.add(m.group(1) != null ? m.group(1) : m.group(2));
            out.add(args.toArray(String[]::new));
        }
        return out;
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static final String GOOD_ROWS = String.join("\n",
            "\"3\",\"Wall St. Bears Claw Back\",\"Reuters - Short-sellers, Wall Street's dwindling\\band of ultra-cynics\"",
            "\"2\",\"Team wins \"\"big\"\" game\",\"The home side won, 3-1.\"",
            "\"1\",\"Talks resume\",\"Leaders met on Monday in Geneva.\"",
            "\"4\",\"New chip\",\"A faster processor was shown.\"") + "\n";

    static Path write(Path dir, String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void trainsOnGivenFilesAndWritesMetrics(@TempDir Path dir) throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 10; i++) rows.append(GOOD_ROWS);
        Path train = write(dir, "train.csv", rows.toString());
        Path test = write(dir, "test.csv", GOOD_ROWS);
        Path metrics = dir.resolve("out/m.json");
        Run r = run("train", "--train", train.toString(), "--test", test.toString(), "--preset", "gru",
                "--epochs", "2", "--quiet", "--metrics-out", metrics.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("final: val_accuracy");
        JsonNode m = new ObjectMapper().readTree(metrics.toFile());
        for (String k : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "epoch_seconds")) {
            assertThat(m.get(k).size()).as(k).isEqualTo(2);
        }
        assertThat(m.get("tokens_per_second").asDouble()).isPositive();
        assertThat(m.get("train_rows").asInt()).isEqualTo(40);
        try (Stream<Path> files = Files.list(metrics.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.json"); // no temp files left
        }
    }

    @Test
    void earlyStoppingOnAHeldOutSplitReportsTestAccuracy(@TempDir Path dir) throws Exception {
        Path metrics = dir.resolve("m.json");
        Run r = run("train", "--max-train-samples", "1200", "--epochs", "8", "--val-split", "0.2", "--early-stopping", "1",
                "--lr", "0.02", "--metrics-out", metrics.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("final: test_accuracy");
        JsonNode m = new ObjectMapper().readTree(metrics.toFile());
        assertThat(m.get("validation").asText()).startsWith("held-out");
        // lr 0.02 on 960 rows overfits fast: val_loss rises within a few epochs and training stops early.
        assertThat(m.get("epochs").asInt()).isLessThan(8);
        assertThat(r.out()).contains("Early stopping after epoch");
        assertOneLineError(run("train", "--val-split", "1.5"), "--val-split must be in [0, 1)", "1.5");
    }

    @Test
    void defaultDataIsTheEmbeddedSampleWithProgressAndSummary() {
        Run r = run("train", "--max-train-samples", "1500", "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ag_news_sample (embedded)").contains("Total params (Keras count)")
                .contains("Epoch 1/1").contains("val_accuracy");
    }

    @Test
    void sameSeedGivesTheSameResult(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Run r = run("train", "--max-train-samples", "800", "--epochs", "1", "--quiet", "--seed", "9");
            lines.add(r.out().replaceAll("\\(.*\\)", ""));
        }
        assertThat(lines.get(0)).isEqualTo(lines.get(1));
    }

    static Stream<Arguments> badCsvs() {
        return Stream.of(
                Arguments.of("fields", GOOD_ROWS + "\"1\",\"only two\"\n", ":5:", "expected 3 fields"),
                Arguments.of("label", GOOD_ROWS + "\"x\",\"a\",\"b\"\n", ":5:", "is not an integer"),
                Arguments.of("range", "\"1\",\"a\",\"b\"\n\"5\",\"a\",\"b\"\n", ":2:", "out of range 1..4"),
                Arguments.of("quote", GOOD_ROWS + "\"1\",\"never closed,\"b\n", ":5:", "quote"),
                Arguments.of("empty", "", "", "no rows"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCsvs")
    void malformedCsvGivesOneLineErrorWithFileAndLine(String name, String content, String line, String problem, @TempDir Path dir) throws Exception {
        Path bad = write(dir, "bad.csv", content);
        Path test = write(dir, "test.csv", GOOD_ROWS);
        Run r = run("train", "--train", bad.toString(), "--test", test.toString(), "--quiet");
        assertOneLineError(r, "bad.csv" + line, problem);
    }

    @Test
    void invalidUtf8IsReportedWithItsLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.csv");
        byte[] head = GOOD_ROWS.getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"1\",\"caf\u00e9\",\"x\"\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        Files.write(bad, all);
        Run r = run("train", "--train", bad.toString(), "--test", bad.toString(), "--quiet");
        assertOneLineError(r, "bad.csv:5", "UTF-8");
    }

    @Test
    void missingFilesAndBadOptions(@TempDir Path dir) {
        assertOneLineError(run("train", "--data", dir.resolve("nowhere").toString(), "--quiet"), "nowhere", "not found");
        assertOneLineError(run("train", "--preset", "transformer"), "unknown preset 'transformer'", "rnn_masked");
        assertOneLineError(run("train", "--epochs", "0"), "--epochs must be >= 1", "");
        assertOneLineError(run("train", "--model", dir.resolve("m.json").toString()), "m.json", "not found");
        Run r = run("train", "--epochs", "many");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--epochs").doesNotContain("\tat ");
    }

    static void assertOneLineError(Run r, String where, String problem) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        String err = r.err().strip();
        assertThat(err).startsWith("jrnn: error: ").contains(where).contains(problem);
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void vocabCommandReproducesTheAnchorVocabulary(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("train_first2000.csv.gz"); // a resource of jrnn-core's test jar
        try (var in = CliTest.class.getResourceAsStream("/org/jrnn/text/train_first2000.csv.gz")) {
            Files.copy(in, train);
        }
        Path out = dir.resolve("vocab.txt");
        Run r = run("vocab", "--train", train.toString(), "--adapt-rows", "2000", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        byte[] expected;
        try (var in = new java.util.zip.GZIPInputStream(CliTest.class.getResourceAsStream("/org/jrnn/text/anchor_vocab.txt.gz"))) {
            expected = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(expected);
    }

    @Test
    void presetsListsEveryPreset() {
        Run r = run("presets", "--json");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("rnn_titles", "rnn_masked", "lstm", "gru", "bilstm2x64", "rnn_mean", "\"Bidirectional\"", "bilstm_tagger",
                "lstm_tagger", "\"TimeDistributed\"", "char_lstm128", "word_lstm128");
        // Each kind in its own section, in this order; language models with what --task lm --preset NAME uses.
        String text = run("presets").out();
        int classifiers = text.indexOf("Classifiers (jrnn train --preset NAME):\n");
        int taggers = text.indexOf("\nTaggers (jrnn train --task tag --preset NAME):\n");
        int lms = text.indexOf("\nLanguage models (jrnn train --task lm --preset NAME):\n");
        assertThat(classifiers).isZero();
        assertThat(taggers).isGreaterThan(text.indexOf("rnn_titles")).isLessThan(text.indexOf("bilstm_tagger"));
        assertThat(lms).isGreaterThan(text.indexOf("lstm_tagger")).isLessThan(text.indexOf("char_lstm128"));
        assertThat(text.substring(lms)).contains(
                "char_lstm128 --task lm: char-level Embedding(64), LSTM(128), TimeDistributed(Dense(V)) on titles (default with --task lm); "
                        + "tokens: char; text: title; batch 32; 1 epoch\n",
                "word_lstm128 --task lm: word-level Embedding(64), LSTM(128), TimeDistributed(Dense(V)) on titles; tokens: word; text: title; "
                        + "batch 32; 1 epoch\n");
        // --json: the layers before the head, the format --task lm --model takes
        assertThat(r.out().substring(r.out().indexOf("char_lstm128"))).contains("\"LSTM\"").contains("\"units\" : 128");
        assertOneLineError(run("train", "--task", "lm", "--preset", "unknown"), "unknown language-model preset 'unknown'",
                "expected one of char_lstm128, word_lstm128");
    }
}
