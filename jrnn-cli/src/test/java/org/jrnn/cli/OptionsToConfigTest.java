package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.OptimConfig;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainConfig;
import org.jrnn.train.VocabConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What train and bench make of their options, without running them; and the options they share. */
class OptionsToConfigTest {
    static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void trainLeavesUnsetOptionsToThePresetAndTheConfigDefaults() throws Exception {
        TrainConfig c = parse(new TrainCommand(), "--preset", "best").config();
        assertThat(c.optim()).isEqualTo(new OptimConfig(5, 16, OptimConfig.DEFAULT_LEARNING_RATE, OptimConfig.DEFAULT_SEED, 0, false, false, 1));
        assertThat(c.data().valSplit()).isEqualTo(Preset.get("best").valSplit());
        assertThat(c.vocab()).isEqualTo(VocabConfig.DEFAULT);
        assertThat(c.run().threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        // The lesson's presets train one epoch; on the embedded sample at least two, unless --epochs says otherwise.
        assertThat(parse(new TrainCommand()).config().optim().epochs()).isEqualTo(TrainCommand.EMBEDDED_DEFAULT_EPOCHS);
        assertThat(parse(new TrainCommand(), "--epochs", "1").config().optim().epochs()).isEqualTo(1);
    }

    @Test
    void trainMapsEveryGroup() throws Exception {
        TrainConfig c = parse(new TrainCommand(), "--preset", "gru", "--train", "a.tsv", "--val-split", "0.1", "--text", "title",
                "--vocab-size", "99", "--adapt-rows", "7", "--vocab-ties", "keras", "--batch-size", "4", "--lr", "0.5", "--seed", "3",
                "--clip-norm", "2", "--embedding-adam", "lazy", "--bucket", "--early-stopping", "2", "--threads", "3",
                "--checkpoint-dir", "ck", "--checkpoint-every", "9", "--resume", "--max-train-samples", "50").config();
        assertThat(c.data().trainFile()).isEqualTo(Path.of("a.tsv"));
        assertThat(c.data().text()).isEqualTo(TextField.TITLE);
        assertThat(c.data().maxTrainSamples()).isEqualTo(50);
        assertThat(c.vocab()).isEqualTo(new VocabConfig(99, 7, TextVectorizer.TieOrder.KERAS));
        assertThat(c.optim()).isEqualTo(new OptimConfig(1, 4, 0.5, 3, 2, true, true, 2));
        assertThat(c.run()).isEqualTo(new org.jrnn.train.RunConfig(3, Path.of("ck"), 9, true));
    }

    @Test
    void languageModelsAndTaggersTakeTheCheckpointOptions() throws Exception {
        String[] ck = {"--checkpoint-dir", "ck", "--checkpoint-every", "9", "--resume", "--threads", "3"};
        TrainCommand lm = parse(new TrainCommand(), concat(new String[] {"--task", "lm", "--bptt", "5"}, ck));
        assertThat(lm.lmConfig().run()).isEqualTo(new org.jrnn.train.RunConfig(3, Path.of("ck"), 9, true));
        assertThat(parse(new TrainCommand(), "--task", "lm").lmConfig().run().checkpointDir()).isNull();
        var tag = TagTrain.config(parse(new TrainCommand(), concat(new String[] {"--task", "tag", "--train", "t.tsv"}, ck)));
        assertThat(tag.runConfig()).isEqualTo(new org.jrnn.train.RunConfig(3, Path.of("ck"), 9, true));
    }

    static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void benchUsesTheConfigDefaultsAndTheAnchorsVocabularyRows() {
        TrainConfig c = parse(new BenchCommand(), "--preset", "best", "--threads", "2", "--embedding-adam", "lazy").config();
        // "best" holds out 5 % and stops early; the benchmark times one epoch on all rows, as the anchor.
        assertThat(c.optim()).isEqualTo(new OptimConfig(1, 16, OptimConfig.DEFAULT_LEARNING_RATE, OptimConfig.DEFAULT_SEED, 0, true, false, 0));
        assertThat(c.data().valSplit()).isZero();
        assertThat(c.vocab()).isEqualTo(new VocabConfig(VocabConfig.DEFAULT_VOCAB_SIZE, 2000, TextVectorizer.TieOrder.FIRST_APPEARANCE));
        assertThat(c.run().threads()).isEqualTo(2);
    }

    @Test
    void sharedOptionsAreDeclaredOnce() {
        CommandLine cl = Main.commandLine(new String[0], System.in, new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()), ErrorReporter.inTempDir(java.util.List.of()));
        // --verbose: on the root, inherited by every subcommand.
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandName().equals("help")) continue;
            assertThat(sub.getCommandSpec().findOption("--verbose")).as(sub.getCommandName()).isNotNull()
                    .matches(o -> o.inherited(), "inherited from the root");
        }
        String[][] shared = {{"--data", "train", "evaluate", "bench", "vocab"}, {"--threads", "train", "evaluate", "bench"},
                {"--vocab-size", "train", "vocab"}, {"--text", "train", "vocab"}, {"--embedding-adam", "train", "bench"}};
        for (String[] s : shared) {
            String description = null;
            for (int i = 1; i < s.length; i++) {
                var o = cl.getSubcommands().get(s[i]).getCommandSpec().findOption(s[0]);
                assertThat(o).as(s[0] + " in " + s[i]).isNotNull();
                if (description == null) description = String.join(" ", o.description());
                assertThat(String.join(" ", o.description())).as(s[0] + " has one help text").isEqualTo(description);
            }
        }
    }

    @Test
    void quietRunsStillPrintWarnings() {
        StringWriter err = new StringWriter();
        TrainCommand.warningsTo(new PrintWriter(err, true)).warning("not bit-identical");
        assertThat(err.toString()).isEqualTo("jrnn: warning: not bit-identical" + System.lineSeparator());
    }
}
