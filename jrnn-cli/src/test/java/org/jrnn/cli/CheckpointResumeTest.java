package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.ModelFile;
import org.jrnn.nn.Param;
import org.jrnn.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training that survives a crash: a run killed with SIGKILL (a classifier, a language model, a
 * tagger), or halted half-way through a checkpoint write, then resumed with --resume, ends with
 * exactly the weights of an uninterrupted run (same seed, same threads). The crashing runs are separate JVMs; the halt
 * mid-write comes from {@link CrashDuringCheckpointWrite}, a test main class.
 */
class CheckpointResumeTest {
    static final List<String> TRAIN = List.of("train", "--max-train-samples", "900", "--epochs", "2", "--threads", "2",
            "--preset", "gru", "--quiet", "--checkpoint-every", "7", "--seed", "5", "--vocab-size", "3000");

    /** A language model: char_lstm128 on 300 titles in BPTT windows of 24. */
    static final List<String> TRAIN_LM = List.of("train", "--task", "lm", "--max-train-samples", "300", "--bptt", "24", "--epochs", "2",
            "--threads", "2", "--quiet", "--checkpoint-every", "5", "--seed", "5");
    /** A tagger: bilstm_tagger on the example, validated on its test file (3 epochs: long enough to be killed mid-run). */
    static final List<String> TRAIN_TAG = List.of("train", "--task", "tag", "--train", example("ner_train.tsv"), "--test", example("ner_test.tsv"),
            "--epochs", "3", "--threads", "2", "--quiet", "--checkpoint-every", "5", "--seed", "5");

    static String example(String name) {
        return ImportCommandTest.ROOT.resolve("docs/examples").resolve(name).toString();
    }

    static List<String> train(String task) {
        return switch (task) {
            case "classify" -> TRAIN;
            case "lm" -> TRAIN_LM;
            case "tag" -> TRAIN_TAG;
            default -> throw new IllegalArgumentException(task);
        };
    }

    static List<String> args(Path ckpt, Path out, String... extra) {
        return args(TRAIN, ckpt, out, extra);
    }

    static List<String> args(List<String> train, Path ckpt, Path out, String... extra) {
        List<String> a = new ArrayList<>(train);
        a.addAll(List.of("--checkpoint-dir", ckpt.toString(), "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    static Process launch(List<String> args) throws Exception {
        return launch(Main.class, args);
    }

    static Process launch(Class<?> main, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        // The child computes with the same kernels as this JVM, so "bit-identical" compares like with like.
        for (String k : List.of("jrnn.simd", "jrnn.vectorBits")) {
            if (System.getProperty(k) != null) cmd.add("-D" + k + "=" + System.getProperty(k));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static Map<String, Param> weights(Path f) throws Exception {
        return (ModelFile.isLanguageModel(f) ? ModelFile.loadLanguageModel(f).model() : ModelFile.load(f).model()).stateDict();
    }

    static void assertSameWeights(Path a, Path b) throws Exception {
        Map<String, Param> x = weights(a);
        Map<String, Param> y = weights(b);
        assertThat(y.keySet()).containsExactlyElementsOf(x.keySet());
        for (String k : x.keySet()) {
            float[] u = x.get(k).data;
            float[] v = y.get(k).data;
            // Arrays.mismatch, not containsExactly: AssertJ's diff of 10^5 floats takes minutes.
            int i = java.util.Arrays.mismatch(u, v);
            assertThat(i).as("%s first differs at [%d]: %s vs %s", k, i, i >= 0 && i < u.length ? u[i] : null,
                    i >= 0 && i < v.length ? v[i] : null).isEqualTo(-1);
        }
    }

    Path uninterrupted(Path dir) throws Exception {
        return uninterrupted(TRAIN, dir);
    }

    Path uninterrupted(List<String> train, Path dir) throws Exception {
        Path out = dir.resolve("uninterrupted.jrnn");
        CliTest.Run r = CliTest.run(args(train, dir.resolve("ck-ref"), out).toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    @ParameterizedTest(name = "--task {0}")
    @ValueSource(strings = {"classify", "lm", "tag"})
    void killedWithSigkillThenResumedEqualsUninterrupted(String task, @TempDir Path dir) throws Exception {
        List<String> train = train(task);
        Path ref = uninterrupted(train, dir);
        Path ck = dir.resolve("ck");
        Process p = launch(args(train, ck, dir.resolve("never.jrnn")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Checkpoint.exists(ck) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(150); // let it run on past the first checkpoint, mid-epoch
        assertThat(p.isAlive()).as("still training when killed").isTrue();
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor(30, TimeUnit.SECONDS);
        assertThat(Checkpoint.exists(ck)).isTrue();
        Path resumed = dir.resolve("resumed.jrnn");
        List<String> resume = args(train, ck, resumed, "--resume");
        resume.remove("--quiet"); // for the "Resuming from checkpoint" line
        CliTest.Run r = CliTest.run(resume.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        String epochs = train.get(train.indexOf("--epochs") + 1);
        assertThat(r.out()).as("resumed before the end of the last epoch")
                .containsPattern("Resuming from checkpoint: epoch [1-" + epochs + "], batch \\d+ \\(step \\d+\\)");
        assertSameWeights(ref, resumed);
    }

    /** Bytes the torn checkpoint write gets to disk: a part of a checkpoint of this run, which has about 2.4 MB. */
    static final long TORN_BYTES = 100_000;

    @Test
    void crashDuringCheckpointWriteKeepsThePreviousOne(@TempDir Path dir) throws Exception {
        Path ref = uninterrupted(dir);
        Path ck = dir.resolve("ck");
        List<String> crash = new ArrayList<>(List.of("3", String.valueOf(TORN_BYTES)));
        crash.addAll(args(ck, dir.resolve("never.jrnn")));
        Process p = launch(CrashDuringCheckpointWrite.class, crash);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(CrashDuringCheckpointWrite.EXIT);
        List<Path> torn = AtomicFiles.leftovers(Checkpoint.file(ck));
        assertThat(torn).singleElement().satisfies(t -> assertThat(Files.size(t)).isEqualTo(TORN_BYTES)); // the torn write
        assertThat(Files.size(Checkpoint.file(ck))).isGreaterThan(TORN_BYTES);                         // checkpoint 2
        Path resumed = dir.resolve("resumed.jrnn");
        CliTest.Run r = CliTest.run(args(ck, resumed, "--resume").toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertSameWeights(ref, resumed);
        assertThat(AtomicFiles.leftovers(Checkpoint.file(ck))).as("the resumed run removes the torn write").isEmpty();
    }

    @Test
    void refusesToOverwriteOrContinueAnotherRun(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("ck");
        assertThat(CliTest.run(args(ck, dir.resolve("a.jrnn")).toArray(String[]::new)).code()).isZero();
        CliTest.assertOneLineError(CliTest.run(args(ck, dir.resolve("b.jrnn")).toArray(String[]::new)),
                "already holds a checkpoint", "--resume");
        CliTest.assertOneLineError(CliTest.run("train", "--task", "lm", "--max-train-samples", "40", "--epochs", "1", "--quiet",
                "--checkpoint-dir", ck.toString(), "--resume"), Checkpoint.file(ck) + ": cannot resume: ",
                "it is a checkpoint of a task classify run, this run's task is lm; use another checkpoint folder");
        List<String> other = args(ck, dir.resolve("c.jrnn"), "--resume");
        other.set(other.indexOf("5"), "6"); // another seed
        CliTest.assertOneLineError(CliTest.run(other.toArray(String[]::new)), "cannot resume", "other settings");
        Files.write(Checkpoint.file(ck), new byte[] {'J', 'R', 'N', 'N'});
        CliTest.assertOneLineError(CliTest.run(args(ck, dir.resolve("d.jrnn"), "--resume").toArray(String[]::new)),
                "checkpoint.bin", "cannot resume");
        assertThat(new File(dir.toFile(), "d.jrnn")).doesNotExist();
    }
}
