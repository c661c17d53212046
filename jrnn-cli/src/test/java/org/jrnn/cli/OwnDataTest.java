// The CLI on a user's own data, in-process: a 3-class TSV with string labels through train -> evaluate ->
// predict, --train with --val-split and no --test, and the one-line errors for bad tables.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnDataTest {
    static final String[][] WORDS = {
            {"rain", "sunny", "storm", "forecast", "wind", "cloudy", "snow", "temperature"},
            {"recipe", "oven", "garlic", "bake", "butter", "flour", "simmer", "salt"},
            {"goal", "striker", "league", "match", "coach", "penalty", "keeper", "season"}};
    static final String[] TOPICS = {"weather", "cooking", "football"};
    static final String COLUMNS = "id\ttopic\theadline\tbody\n";

    /** Rows "id, topic, headline, body", each text drawn from its topic's words plus shared filler. */
    static String rows(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(COLUMNS);
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(3);
            sb.append(i).append('\t').append(TOPICS[k]).append('\t').append(text(rng, k, 3)).append('\t').append(text(rng, k, 8)).append('\n');
        }
        return sb.toString();
    }

    static String text(SplittableRandom rng, int k, int n) {
        String[] filler = {"the", "a", "today", "new", "big", "and"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            sb.append(rng.nextInt(3) == 0 ? filler[rng.nextInt(filler.length)] : WORDS[k][rng.nextInt(WORDS[k].length)]);
        }
        return sb.toString();
    }

    static final String[] COLS = {"--text-column", "headline", "--text-column", "body", "--label-column", "topic"};

    static String[] args(String[] head, String... tail) {
        String[] a = new String[head.length + COLS.length + tail.length];
        System.arraycopy(head, 0, a, 0, head.length);
        System.arraycopy(COLS, 0, a, head.length, COLS.length);
        System.arraycopy(tail, 0, a, head.length + COLS.length, tail.length);
        return a;
    }

    @Test
    void trainEvaluatePredictOnAThreeClassTsvWithStringLabels(@TempDir Path dir) throws Exception {
        Path train = CliTest.write(dir, "train.tsv", rows(300, 1));
        Path test = CliTest.write(dir, "test.tsv", rows(60, 2));
        Path model = dir.resolve("topics.jrnn");
        Path metrics = dir.resolve("m.json");
        CliTest.Run r = CliTest.run(args(new String[] {"train", "--train", train.toString(), "--test", test.toString()},
                "--preset", "gru", "--epochs", "3", "--lr", "0.01", "--out", model.toString(), "--metrics-out", metrics.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("data: TSV with header; label: 'topic'; text: columns 'headline' + 'body'; 3 classes: cooking, football, weather")
                .contains("300 train / 60 test rows").contains("Dense(3)").contains("final: val_accuracy");
        JsonNode m = new ObjectMapper().readTree(metrics.toFile());
        assertThat(m.get("class_names").toString()).isEqualTo("[\"cooking\",\"football\",\"weather\"]");
        assertThat(m.get("val_accuracy").get(2).asDouble()).as("3 separable topics").isGreaterThan(0.8);

        SavedModel saved = ModelFile.load(model);
        assertThat(saved.classNames()).containsExactly("cooking", "football", "weather");

        r = CliTest.run(args(new String[] {"evaluate", "--model", model.toString(), "--test", test.toString()}));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("samples 60 ").contains("cooking").contains("football").contains("weather");

        r = CliTest.run(args(new String[] {"predict", "--model", model.toString(), "--input", test.toString()}));
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(60);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(List.of("cooking", "football", "weather")).contains(first.get("true_label").asText(), first.get("label").asText());

        r = CliTest.run("predict", "--model", model.toString(), "garlic butter and flour in the oven");
        assertThat(new ObjectMapper().readTree(r.out()).get("label").asText()).isEqualTo("cooking");

        // the model's classes decide: a test file with another label names it
        Path other = CliTest.write(dir, "other.tsv", COLUMNS + "1\tpolitics\tvote\telection day\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"evaluate", "--model", model.toString(), "--test", other.toString()})),
                "other.tsv:2", "label 'politics' is not one of the classes of the model (cooking, football, weather)");
    }

    @Test
    void trainWithoutTestUsesTheHeldOutSplitForBoth(@TempDir Path dir) throws Exception {
        Path train = CliTest.write(dir, "train.tsv", rows(200, 3));
        Path metrics = dir.resolve("m.json");
        CliTest.Run r = CliTest.run(args(new String[] {"train", "--train", train.toString(), "--val-split", "0.2"},
                "--preset", "gru", "--epochs", "1", "--metrics-out", metrics.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("160 train / 40 test rows").contains("no test file: the held-out split gives the validation and test figures")
                .contains("final: val_accuracy");
        JsonNode m = new ObjectMapper().readTree(metrics.toFile());
        assertThat(m.get("test").asText()).startsWith("held-out split");
        assertThat(m.get("test_accuracy").asDouble()).isEqualTo(m.get("val_accuracy").get(0).asDouble());

        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", train.toString()})),
                "--train without --test needs --val-split", "");
        CliTest.assertOneLineError(CliTest.run("train", "--test", train.toString()), "--test needs --train", "");
    }

    @Test
    void badTablesGiveOneLineErrorsWithFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path train = CliTest.write(dir, "train.tsv", rows(30, 4));
        Path test = CliTest.write(dir, "test.tsv", rows(5, 5));
        String[] head = {"train", "--train", train.toString(), "--test", test.toString(), "--quiet"};
        CliTest.assertOneLineError(CliTest.run(concat(head, "--text-column", "text", "--label-column", "topic")),
                "train.tsv:1", "--text-column 'text': no such column; the header has: 'id', 'topic', 'headline', 'body'");
        CliTest.assertOneLineError(CliTest.run(concat(head, "--text-column", "2", "--label-column", "9", "--header")),
                "train.tsv:1", "--label-column 9 is out of range: line 1 has 4 columns (0..3)");
        Path one = CliTest.write(dir, "one.tsv", COLUMNS + "1\tweather\train\tsnow\n2\tweather\twind\tstorm\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", one.toString(), "--test", test.toString()})),
                "one.tsv", "needs at least 2 classes, found 1");
        Path unseen = CliTest.write(dir, "unseen.tsv", COLUMNS + "1\tweather\train\tsnow\n2\tgolf\tputt\tgreen\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", train.toString(), "--test", unseen.toString()})),
                "unseen.tsv:3", "label 'golf' is not one of the classes of the training data");
        Path empty = CliTest.write(dir, "empty.tsv", COLUMNS + "1\tweather\train\tsnow\n2\tcooking\t\t\n3\tfootball\tgoal\t\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", empty.toString(), "--test", test.toString()})),
                "empty.tsv:3", "empty text in columns 'headline' + 'body'");
        Path ragged = CliTest.write(dir, "ragged.tsv", COLUMNS + "1\tweather\train\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", ragged.toString(), "--test", test.toString()})),
                "ragged.tsv:2", "expected 4 fields like the header, found 3");
        CliTest.assertOneLineError(CliTest.run("train", "--text-column", "x"), "describe --train/--test or --data files", "");
        CliTest.assertOneLineError(CliTest.run("train", "--train", train.toString(), "--test", test.toString(), "--delimiter", "tabs"),
                "--delimiter must be one character", "");
    }

    @Test
    void pretrainedEmbeddingsReportCoverageAndBadFilesNameTheirLine(@TempDir Path dir) throws Exception {
        Path train = CliTest.write(dir, "train.tsv", rows(120, 6));
        StringBuilder glove = new StringBuilder();
        SplittableRandom rng = new SplittableRandom(1);
        for (String[] topic : WORDS) {
            for (String w : topic) {
                glove.append(w.equals("rain") ? "RAIN" : w);
                for (int j = 0; j < 6; j++) glove.append(' ').append(String.format(java.util.Locale.ROOT, "%.3f", rng.nextDouble() - 0.5));
                glove.append('\n');
            }
        }
        Path vectors = CliTest.write(dir, "glove.6d.txt", glove.toString());
        Path metrics = dir.resolve("m.json");
        CliTest.Run r = CliTest.run(args(new String[] {"train", "--train", train.toString(), "--val-split", "0.25"},
                "--preset", "gru", "--epochs", "1", "--embeddings", vectors.toString(), "--freeze-embeddings", "--metrics-out", metrics.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        // 24 topic words found (one as "RAIN"); the 6 filler words are not in the file
        assertThat(r.out()).contains("embeddings: 24 of 30 vocabulary tokens found (80.0 %), 1 of them lower-cased in " + vectors
                + " (GloVe text, 6 dims); frozen").contains("Embedding(32, 6, maskZero=true)");
        JsonNode m = new ObjectMapper().readTree(metrics.toFile());
        assertThat(m.get("embeddings").get("dim").asInt()).isEqualTo(6);
        assertThat(m.get("model").get("embedding_dim").asInt()).isEqualTo(6);

        Path bad = CliTest.write(dir, "bad.txt", "rain 1 2 3\nsnow 1 2\n");
        CliTest.assertOneLineError(CliTest.run(args(new String[] {"train", "--train", train.toString(), "--val-split", "0.25"},
                "--embeddings", bad.toString())), "bad.txt:2", "expected 3 values after the word");
        CliTest.assertOneLineError(CliTest.run("train", "--freeze-embeddings"), "--freeze-embeddings needs --embeddings", "");
    }

    static String[] concat(String[] a, String... b) {
        String[] c = new String[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
