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

/**
 * Training that survives a crash: a run killed with SIGKILL, or halted half-way through a
 * checkpoint write, then resumed with --resume, ends with exactly the weights of an
 * uninterrupted run (same seed, same threads). The crashing runs are separate JVMs; the halt
 * mid-write comes from {@link CrashDuringCheckpointWrite}, a test main class.
 */
class CheckpointResumeTest {
    static final List<String> TRAIN = List.of("train", "--max-train-samples", "900", "--epochs", "2", "--threads", "2",
            "--preset", "gru", "--quiet", "--checkpoint-every", "7", "--seed", "5", "--vocab-size", "3000");

    static List<String> args(Path ckpt, Path out, String... extra) {
        List<String> a = new ArrayList<>(TRAIN);
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

    static void assertSameWeights(Path a, Path b) throws Exception {
        Map<String, Param> x = ModelFile.load(a).model().stateDict();
        Map<String, Param> y = ModelFile.load(b).model().stateDict();
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
        Path out = dir.resolve("uninterrupted.jrnn");
        CliTest.Run r = CliTest.run(args(dir.resolve("ck-ref"), out).toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    @Test
    void killedWithSigkillThenResumedEqualsUninterrupted(@TempDir Path dir) throws Exception {
        Path ref = uninterrupted(dir);
        Path ck = dir.resolve("ck");
        Process p = launch(args(ck, dir.resolve("never.jrnn")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Checkpoint.exists(ck) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(150); // let it run on past the first checkpoint, mid-epoch
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor(30, TimeUnit.SECONDS);
        assertThat(Checkpoint.exists(ck)).isTrue();
        Path resumed = dir.resolve("resumed.jrnn");
        CliTest.Run r = CliTest.run(args(ck, resumed, "--resume").toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
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
        List<String> other = args(ck, dir.resolve("c.jrnn"), "--resume");
        other.set(other.indexOf("5"), "6"); // another seed
        CliTest.assertOneLineError(CliTest.run(other.toArray(String[]::new)), "cannot resume", "other settings");
        Files.write(Checkpoint.file(ck), new byte[] {'J', 'R', 'N', 'N'});
        CliTest.assertOneLineError(CliTest.run(args(ck, dir.resolve("d.jrnn"), "--resume").toArray(String[]::new)),
                "checkpoint.bin", "cannot resume");
        assertThat(new File(dir.toFile(), "d.jrnn")).doesNotExist();
    }
}
