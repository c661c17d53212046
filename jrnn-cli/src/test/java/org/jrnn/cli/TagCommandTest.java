// Sequence labelling from the command line, in-process: the README's "Sequence labelling" block run as
// written (train --task tag -> evaluate -> predict on docs/examples/ner_*.tsv), the shape of predict's JSON
// lines (arguments, --input, stdin), and one-line errors for bad files and options that do not apply.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TagCommandTest {
    static final Path ROOT = ImportCommandTest.ROOT;
    static final ObjectMapper JSON = new ObjectMapper();

    /** Repository paths (docs/...) from the root, the model file into {@code dir}. */
    static String[] resolve(String[] args, Path dir) {
        String[] a = args.clone();
        for (int i = 0; i < a.length; i++) {
            if (a[i].startsWith("docs/")) a[i] = ROOT.resolve(a[i]).toString();
            else if (a[i].endsWith(".jrnn") || a[i].endsWith(".json")) a[i] = dir.resolve(a[i]).toString();
        }
        return a;
    }

    @Test
    void readmeExampleRunsAsWrittenAndTagsWell(@TempDir Path dir) throws Exception {
        List<String[]> commands = CliTest.readmeCommands("## Sequence labelling");
        assertThat(commands).hasSize(3);
        assertThat(commands.get(0)).startsWith("train", "--task", "tag");
        List<CliTest.Run> runs = new ArrayList<>();
        for (String[] args : commands) {
            CliTest.Run r = CliTest.run(resolve(args, dir));
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isZero();
            runs.add(r);
        }
        assertThat(runs.get(0).out()).contains("400 train / 120 test sentences").contains("7 tags: B-LOC, B-ORG, B-PER, I-LOC, I-ORG, I-PER, O")
                .contains("TimeDistributed").contains("final: test token accuracy").contains("saved model to");
        String eval = runs.get(1).out();
        assertThat(eval).contains("tagger").contains("sentences 120   tokens 1,251").contains("micro avg").contains("confusion matrix");
        // An untrained bilstm_tagger scores entity F1 0.030 on this file and all-O 0; this run measured 0.85 (TagTrainingTest).
        double f1 = Double.parseDouble(eval.replaceAll("(?s).*entity F1 ([0-9.]+).*", "$1"));
        assertThat(f1).isGreaterThan(0.75);
        List<String> lines = runs.get(2).out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("tokens").toString()).isEqualTo("[\"Petra\",\"Brenk\",\"visited\",\"Tarvia\",\"on\",\"Monday\",\".\"]");
        assertThat(first.get("tags").toString()).isEqualTo("[\"B-PER\",\"I-PER\",\"O\",\"B-LOC\",\"O\",\"O\",\"O\"]");
        assertThat(first.get("scores")).hasSize(7);
        first.get("scores").forEach(s -> assertThat(s.asDouble()).isBetween(1.0 / 7, 1.0));
        JsonNode second = JSON.readTree(lines.get(1));
        assertThat(second.get("tokens")).hasSize(second.get("tags").size());

        Path model = dir.resolve("ner.jrnn");
        // --input: a token-per-line file, one line per sentence, with the file's tags as true_tags
        CliTest.Run r = CliTest.run("predict", "--model", model.toString(), "--input", ROOT.resolve("docs/examples/ner_test.tsv").toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> out = r.out().lines().toList();
        assertThat(out).hasSize(120);
        JsonNode l = JSON.readTree(out.get(0));
        assertThat(l.get("true_tags").size()).isEqualTo(l.get("tags").size()).isEqualTo(l.get("tokens").size());

        // stdin: one text per line, an empty line gives an empty sentence
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.execute(new String[] {"predict", "--model", model.toString()},
                new ByteArrayInputStream("Bruno Aldrow joined Lumen Labs.\n\nTalks in Orsk ended.\n".getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(o, true), new PrintWriter(e, true));
        assertThat(code).as(e.toString()).isZero();
        List<String> stdin = o.toString().lines().toList();
        assertThat(stdin).hasSize(3);
        assertThat(JSON.readTree(stdin.get(1)).get("tokens")).isEmpty();
        assertThat(JSON.readTree(stdin.get(2)).get("tokens").toString()).isEqualTo("[\"Talks\",\"in\",\"Orsk\",\"ended\",\".\"]");

        // a test file with a tag the model does not know names its line; a classifier's file is refused in one line
        Path other = CliTest.write(dir, "other.tsv", "Paris\tB-LOC\n\nIBM\tB-COMPANY\n");
        CliTest.assertOneLineError(CliTest.run("evaluate", "--model", model.toString(), "--test", other.toString()), "other.tsv:3",
                "tag 'B-COMPANY' is not one of the tags of the model (B-LOC, B-ORG, B-PER, I-LOC, I-ORG, I-PER, O)");
        CliTest.assertOneLineError(CliTest.run("evaluate", "--model", model.toString()), "the model is a tagger", "--test FILE");
        CliTest.assertOneLineError(CliTest.run("predict", "--model", model.toString(), "--explain", "x"), "--explain applies to classifiers", "");
    }

    @Test
    void badFilesAndOptionsThatDoNotApplyAreOneLineErrors(@TempDir Path dir) throws Exception {
        Path train = CliTest.write(dir, "train.tsv", "Paris\tB-LOC\nis\tO\n\nBob\tB-PER\nsmiles\n");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag", "--train", train.toString()), "train.tsv:5",
                "'smiles' has no tag: expected 'token<TAB>tag'");
        Path good = CliTest.write(dir, "good.tsv", "Paris\tB-LOC\nis\tO\n\nBob\tB-PER\n");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag", "--train", good.toString(), "--embeddings", "x.txt", "--bucket"),
                "--embeddings, --bucket do not apply to --task tag", "");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag", "--train", good.toString(), "--preset", "gru"),
                "unknown tagger preset 'gru', expected one of bilstm_tagger, lstm_tagger", "");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag"), "--train is required to train a tagger", "");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag", "--train", good.toString(), "--early-stopping", "2"),
                "--early-stopping needs --test", "");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "translate"), "--task must be classify, tag or lm", "");
        Path arch = CliTest.write(dir, "arch.json", "{\"embedding_dim\": 8, \"layers\": [{\"type\": \"GRU\", \"units\": 4}]}");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "tag", "--train", good.toString(), "--model", arch.toString()),
                "--model: a tagger's layers end in", "TimeDistributed");

        // a small run without --test trains and saves; its model predicts
        Path model = dir.resolve("t.jrnn");
        Path metrics = dir.resolve("m.json");
        CliTest.Run r = CliTest.run("train", "--task", "tag", "--train", good.toString(), "--preset", "lstm_tagger", "--epochs", "1",
                "--threads", "1", "--out", model.toString(), "--metrics-out", metrics.toString(), "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("final: token accuracy").contains("on the training data after 1 epoch");
        JsonNode m = JSON.readTree(metrics.toFile());
        assertThat(m.get("task").asText()).isEqualTo("tag");
        assertThat(m.get("tag_names").toString()).isEqualTo("[\"B-LOC\",\"B-PER\",\"O\"]");
        r = CliTest.run("predict", "--model", model.toString(), "Bob is in Paris");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("tags")).hasSize(4);
    }
}
