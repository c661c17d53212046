package org.jrnn.cli;

// Every file the command line writes (model, checkpoint, vocabulary, metrics, history, evaluation JSON, plots,
// bench JSON) goes through the one atomic writer, files.AtomicFiles; and a full disk leaves no half-written
// model and no temp file, with a one-line message naming the file.

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.jrnn.files.AtomicFiles;
import org.jrnn.testing.FailingDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {

    static List<Path> filesUnder(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(Path::toAbsolutePath).sorted().toList();
        }
    }

    static void ok(CliTest.Run r) {
        assertThat(r.code()).as(r.out() + r.err()).isZero();
    }

    @Test
    void everyFileTheCliWritesGoesThroughTheAtomicWriter(@TempDir Path dir) throws Exception {
        List<Path> targets = Collections.synchronizedList(new ArrayList<>());
        AtomicFiles.installStreamWrapper((target, out) -> {
            targets.add(target.toAbsolutePath());
            return out;
        });
        Path model = dir.resolve("m.jrnn");
        try {
            ok(CliTest.run("train", "--max-train-samples", "600", "--epochs", "1", "--quiet", "--out", model.toString(),
                    "--metrics-out", dir.resolve("metrics.json").toString(), "--history-out", dir.resolve("history.csv").toString(),
                    "--checkpoint-dir", dir.resolve("ck").toString(), "--checkpoint-every", "5"));
            ok(CliTest.run("evaluate", "--model", model.toString(), "--json-out", dir.resolve("eval.json").toString(),
                    "--plots", dir.resolve("plots").toString()));
            ok(CliTest.run("vocab", "--adapt-rows", "200", "--out", dir.resolve("vocab.txt").toString()));
            ok(CliTest.run("bench", "--max-batches", "2", "--warmup-batches", "0", "--json-out", dir.resolve("bench.json").toString()));
        } finally {
            AtomicFiles.installStreamWrapper(null);
        }
        List<Path> written = filesUnder(dir);
        assertThat(written.stream().map(p -> dir.toAbsolutePath().relativize(p).toString()))
                .containsExactlyInAnyOrder("m.jrnn", "metrics.json", "history.csv", "ck/checkpoint.bin", "eval.json",
                        "plots/confusion_matrix.png", "plots/training_curves.png", "vocab.txt", "bench.json");
        assertThat(targets).containsAll(written);
    }

    @Test
    void aFullDiskLeavesNoModelAndNoTempFileAndNamesTheFile(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("out/m.jrnn");
        AtomicFiles.installStreamWrapper(FailingDisk.fullAfter(2000));
        CliTest.Run r;
        try {
            r = CliTest.run("train", "--max-train-samples", "300", "--epochs", "1", "--quiet", "--out", model.toString());
        } finally {
            AtomicFiles.installStreamWrapper(null);
        }
        assertThat(r.code()).isNotZero();
        String err = r.err().strip();
        assertThat(err).contains(model.toString()).contains(FailingDisk.ENOSPC).doesNotContain("\tat ");
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(filesUnder(dir)).isEmpty();
    }
}
