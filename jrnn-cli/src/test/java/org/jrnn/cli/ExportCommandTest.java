// jrnn export onnx end to end: a .jrnn model becomes model.onnx and vocab.txt beside it; a missing model
// is one line with exit code 2 and writes nothing. (The graph itself is checked in ONNX Runtime by
// jrnn-interop's OnnxExportTest.)
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {

    @Test
    void exportsAModelAndItsVocabulary(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.jrnn");
        CliTest.Run i = CliTest.run("import", "keras", ImportCommandTest.FIXTURES.resolve("stacked.keras").toString(), "--out", model.toString());
        assertThat(i.code()).as(i.err()).isZero();
        Path out = dir.resolve("onnx/m.onnx");
        CliTest.Run r = CliTest.run("export", "onnx", "--model", model.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + out).contains("opset 17", "token_ids", "probabilities", "vocab.txt");
        assertThat(Files.size(out)).isPositive();
        assertThat(Files.readString(out.resolveSibling("vocab.txt"))).startsWith("\n[UNK]\n");
        Path vocab = dir.resolve("elsewhere.txt");
        CliTest.Run v = CliTest.run("export", "onnx", "--model", model.toString(), "--out", out.toString(), "--vocab-out", vocab.toString());
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(vocab).exists();
    }

    @Test
    void missingModelIsOneLineWithExitCode2(@TempDir Path dir) {
        Path out = dir.resolve("m.onnx");
        CliTest.Run r = CliTest.run("export", "onnx", "--model", dir.resolve("none.jrnn").toString(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).contains("none.jrnn").doesNotContain("\n").doesNotContain("Exception");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("vocab.txt")).doesNotExist();
    }

    @Test
    void helpRuns() {
        CliTest.Run r = CliTest.run("export", "onnx", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: jrnn export onnx").contains("--model", "--out", "--vocab-out");
    }
}
