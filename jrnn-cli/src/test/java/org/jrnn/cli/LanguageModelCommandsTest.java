// jrnn train --task lm, generate and evaluate from the command line: the README's "Text generation"
// commands run as written, generation is reproducible, and the wrong kind of model is refused in one line.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageModelCommandsTest {
    @Test
    void readmeExampleRunsAsWrittenAndModelsAreKeptApart(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("runs"));
        List<String[]> commands = CliTest.readmeCommands("## Text generation");
        assertThat(commands).hasSize(4);
        List<CliTest.Run> runs = new ArrayList<>();
        for (String[] args : commands) {
            List<String> a = new ArrayList<>();
            for (String arg : args) a.add(arg.startsWith("runs/") ? dir.resolve(arg).toString() : arg);
            CliTest.Run r = CliTest.run(a.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isZero();
            runs.add(r);
        }
        assertThat(runs.get(0).out()).contains("jrnn train --task lm", "perplexity", "bpc", "saved model to");
        String lm = dir.resolve("runs/charlm.jrnn").toString();
        // Greedy is deterministic; sampled text repeats for a fixed seed.
        assertThat(runs.get(1).out()).startsWith("Oil ");
        assertThat(CliTest.run(commands.get(1)[0], "--model", lm, "--prompt", "Oil ", "--max-tokens", "60", "--temperature", "0").out())
                .isEqualTo(runs.get(1).out().replace(dir.toString(), dir.toString()));
        String[] sampled = {"generate", "--model", lm, "--max-tokens", "60", "--temperature", "0.8", "--top-k", "20", "--seed", "7", "--num", "3"};
        assertThat(CliTest.run(sampled).out()).isEqualTo(runs.get(2).out());
        assertThat(runs.get(2).out().split("\n")).hasSize(3);
        assertThat(runs.get(3).out()).contains("language model", "perplexity", "bpc");

        // The wrong kind of model, bad settings: one line, no stack trace.
        CliTest.Run predict = CliTest.run("predict", "--model", lm, "Oil prices rise");
        assertThat(predict.code()).isNotZero();
        assertThat(predict.err()).contains("is a language model").doesNotContain("Exception").hasLineCount(1);
        CliTest.Run hot = CliTest.run("generate", "--model", lm, "--temperature", "-1");
        assertThat(hot.code()).isNotZero();
        assertThat(hot.err()).contains("--temperature must be >= 0").hasLineCount(1);
        CliTest.Run script = CliTest.run("generate", "--model", lm, "--prompt", "\u4e2d");
        assertThat(script.err()).contains("--prompt has characters", "U+4E2D");
        Path classifier = dir.resolve("runs/classifier.jrnn");
        assertThat(CliTest.run("train", "--max-train-samples", "64", "--epochs", "1", "-q", "--out", classifier.toString()).code()).isZero();
        CliTest.Run gen = CliTest.run("generate", "--model", classifier.toString());
        assertThat(gen.code()).isNotZero();
        assertThat(gen.err()).contains("is a classifier, not a language model").hasLineCount(1);
    }

    /** --bptt trains (carrying the state, as the help says) and a negative window is refused in one line. */
    @Test
    void bpttTrainsInCarriedWindows(@TempDir Path dir) {
        CliTest.Run r = CliTest.run("train", "--task", "lm", "--max-train-samples", "64", "--epochs", "1", "--bptt", "16", "-q",
                "--out", dir.resolve("bptt.jrnn").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("test_perplexity", "saved model to");
        assertThat(CliTest.run("train", "--help").out().replaceAll("\\s+", " ")).contains("starts from the state its previous window ended in");
        CliTest.Run bad = CliTest.run("train", "--task", "lm", "--bptt", "-1");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--bptt must be >= 0").doesNotContain("Exception").hasLineCount(1);
    }
}
