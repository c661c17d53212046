// jrnn import keras end to end: a Keras fixture becomes a .jrnn file that predict loads; refusals are one
// line with exit code 2; jrnn import onnx likewise; and the README's "Models from elsewhere, models to elsewhere"
// commands run as written.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportCommandTest {
    /** The repository root (tests run in jrnn-cli/). */
    static final Path ROOT = CliTest.ROOT;
    static final Path FIXTURES = ROOT.resolve("jrnn-interop/src/test/resources/keras");

    @Test
    void importedModelPredicts(@TempDir Path dir) {
        Path out = dir.resolve("lstm.jrnn");
        CliTest.Run r = CliTest.run("import", "keras", FIXTURES.resolve("lstm.keras").toString(), "--out", out.toString(),
                "--classes", "World,Sports,Business");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Keras layer", "lstm", "LSTM", "rnn.weight_ih_l0 [20,6]", "fc.weight [3,5]", "wrote " + out);
        assertThat(out).exists();
        CliTest.Run p = CliTest.run("predict", "--model", out.toString(), "the team wins the match");
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).startsWith("{\"text\":\"the team wins the match\",\"label\":");
    }

    @Test
    void refusalsAreOneLineWithExitCode2(@TempDir Path dir) {
        Path out = dir.resolve("x.jrnn");
        CliTest.Run r = CliTest.run("import", "keras", FIXTURES.resolve("lambda.keras").toString(), "--out", out.toString(),
                "--vocab", FIXTURES.resolve("vocab.txt").toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).contains("layer 'lambda' (Lambda)").doesNotContain("\n").doesNotContain("Exception");
        assertThat(out).doesNotExist();
        CliTest.Run h5 = CliTest.run("import", "keras", FIXTURES.resolve("gru.h5").toString(), "--out", out.toString());
        assertThat(h5.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(h5.err()).contains("--vocab FILE");
    }

    static final Path ONNX = ROOT.resolve("jrnn-interop/src/test/resources/onnx");

    @Test
    void onnxModelFromTorchPredicts(@TempDir Path dir) {
        Path out = dir.resolve("bi_lstm.jrnn");
        CliTest.Run r = CliTest.run("import", "onnx", ONNX.resolve("bi_lstm.onnx").toString(), "--vocab", ONNX.resolve("vocab.txt").toString(),
                "--out", out.toString(), "--classes", "World,Sports,Business");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ONNX node", "LSTM", "rnn.weight_ih_l0_reverse", "fc.weight [3,10]", "mask_zero=false", "wrote " + out);
        CliTest.Run p = CliTest.run("predict", "--model", out.toString(), "w3 w7 w5");
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).startsWith("{\"text\":\"w3 w7 w5\",\"label\":");
    }

    @Test
    void onnxRefusalIsOneLineNamingTheNode(@TempDir Path dir) {
        Path out = dir.resolve("x.jrnn");
        CliTest.Run r = CliTest.run("import", "onnx", ONNX.resolve("relu_head.onnx").toString(), "--vocab", ONNX.resolve("vocab.txt").toString(),
                "--out", out.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).contains("node '", "(Relu)").doesNotContain("\n").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }

    @Test
    void helpRuns() {
        CliTest.Run r = CliTest.run("import", "keras", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: jrnn import keras").contains("--vocab", "--classes");
    }

    /** Each ./jrnn line of the README's "Models from elsewhere" block, run from a copy of its working folder. */
    @Test
    void readmeExampleRunsAsWritten(@TempDir Path dir) throws IOException {
        List<String[]> commands = CliTest.readmeCommands("## Models from elsewhere, models to elsewhere");
        assertThat(commands).hasSize(7);
        for (String[] args : commands) {
            List<String> a = new ArrayList<>();
            for (String arg : args) a.add(arg.startsWith("jrnn-interop/") ? ROOT.resolve(arg).toString()
                    : arg.startsWith("runs/") ? dir.resolve(arg).toString() : arg);
            CliTest.Run r = CliTest.run(a.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isZero();
        }
        assertThat(dir.resolve("runs/keras_stacked.jrnn")).exists();
        assertThat(dir.resolve("runs/keras_bigru.jrnn")).exists();
        assertThat(dir.resolve("runs/stacked.onnx")).exists();
        assertThat(dir.resolve("runs/vocab.txt")).exists();
        assertThat(dir.resolve("runs/torch_bilstm.jrnn")).exists();
    }
}
