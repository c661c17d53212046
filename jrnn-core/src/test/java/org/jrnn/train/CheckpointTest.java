package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jrnn.errors.UserInputException;
import org.jrnn.files.AtomicFiles;
import org.jrnn.model.EpochMetrics;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.testing.FailingDisk;
import org.jrnn.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointTest {
    static final TrainConfig.Fingerprint FP = new TrainConfig.Fingerprint("fingerprint of the run", "scalar");
    static final ObjectMapper JSON = new ObjectMapper();

    /** A model, optimizer and loop position as a run has them mid-epoch; {@code seed} varies every value. */
    record Run(Sequential model, Adam adam, TrainingState state) {
        static Run of(long seed, boolean best) {
            Sequential m = TrainerTest.model();
            Adam adam = Adam.keras(1e-2);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
            for (Param p : m.params()) {
                for (int i = 0; i < p.size(); i++) p.data[i] = (float) rng.nextGaussian();
                float[][] mv = adam.moments(p);
                for (int i = 0; i < p.size(); i++) {
                    mv[0][i] = (float) rng.nextGaussian();
                    mv[1][i] = (float) rng.nextDouble();
                }
            }
            adam.setIterations(100 + seed);
            TrainingState st = new TrainingState();
            st.epoch = 1;
            st.batch = 7;
            st.step = 100 + seed;
            st.lossSum = 12.5 + seed;
            st.correct = 40;
            st.seen = 112;
            st.tokens = 999;
            st.epochSeconds = 3.25;
            st.history.add(new EpochMetrics(1, 1.1, 0.4, Double.NaN, Double.NaN, 2.5, 4000, 64));
            st.bestLoss = best ? 0.75 : Double.POSITIVE_INFINITY;
            st.bestEpoch = best ? 1 : 0;
            if (best) {
                st.best = new float[m.params().size()][];
                for (int i = 0; i < st.best.length; i++) {
                    st.best[i] = new float[m.params().get(i).size()];
                    for (int j = 0; j < st.best[i].length; j++) st.best[i][j] = (float) rng.nextGaussian();
                }
            }
            return new Run(m, adam, st);
        }

        void write(Path dir) throws IOException {
            Checkpoint.write(dir, FP, state, model.params(), adam);
        }

        TrainingState read(Path dir) throws IOException {
            return Checkpoint.read(dir, FP, model.params(), adam);
        }

        float[] everything() {
            List<Param> ps = model.params();
            List<float[]> parts = new ArrayList<>();
            parts.add(GradientCheck.concatParams(ps));
            for (Param p : ps) parts.addAll(List.of(adam.moments(p)));
            int n = parts.stream().mapToInt(a -> a.length).sum();
            float[] all = new float[n];
            int at = 0;
            for (float[] a : parts) {
                System.arraycopy(a, 0, all, at, a.length);
                at += a.length;
            }
            return all;
        }
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest(name = "best weights kept: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void roundTripRestoresWeightsMomentsAndPosition(boolean best, @TempDir Path dir) throws IOException {
        Run saved = Run.of(1, best);
        saved.write(dir);
        Run fresh = Run.of(2, false);
        TrainingState st = fresh.read(dir);
        assertThat(fresh.everything()).containsExactly(saved.everything());
        assertThat(fresh.adam().iterations()).isEqualTo(101);
        TrainingState want = saved.state();
        assertThat(List.of(st.epoch, st.batch, st.step, st.lossSum, st.correct, st.seen, st.tokens, st.epochSeconds,
                st.bestLoss, st.bestEpoch, st.stopped)).containsExactly(want.epoch, want.batch, want.step, want.lossSum,
                want.correct, want.seen, want.tokens, want.epochSeconds, want.bestLoss, want.bestEpoch, want.stopped);
        assertThat(st.history).isEqualTo(want.history); // record equals: exact, and NaN equals NaN
        assertThat(st.history.get(0).valLoss()).isNaN();
        if (best) {
            assertThat(st.best).hasSameDimensionsAs(want.best);
            for (int i = 0; i < st.best.length; i++) assertThat(st.best[i]).containsExactly(want.best[i]);
        } else {
            assertThat(st.best).isNull();
        }
        assertThat(names(dir)).containsExactly("checkpoint.bin");
    }

    @Test
    void aFullDiskLeavesThePreviousCheckpointAndNoTempFile(@TempDir Path dir) throws IOException {
        Run first = Run.of(1, true);
        first.write(dir);
        byte[] before = Files.readAllBytes(Checkpoint.file(dir));
        AtomicFiles.installStreamWrapper(FailingDisk.fullAfter(before.length / 2));
        try {
            assertThatThrownBy(() -> Run.of(3, true).write(dir))
                    .isExactlyInstanceOf(IOException.class)
                    .hasMessage("writing " + Checkpoint.file(dir) + ": " + FailingDisk.ENOSPC)
                    .cause().hasMessage(FailingDisk.ENOSPC);
        } finally {
            AtomicFiles.installStreamWrapper(null);
        }
        assertThat(Files.readAllBytes(Checkpoint.file(dir))).isEqualTo(before);
        assertThat(names(dir)).containsExactly("checkpoint.bin");
        Run fresh = Run.of(2, false);
        fresh.read(dir);
        assertThat(fresh.everything()).containsExactly(first.everything());
    }

    @Test
    void theNextWriteRemovesTheTempFilesOfAKilledOne(@TempDir Path dir) throws IOException {
        Run r = Run.of(1, false);
        r.write(dir);
        Files.write(dir.resolve(".checkpoint.bin.8071.tmp"), new byte[100]);
        Files.write(dir.resolve("notes.txt"), new byte[1]);
        r.write(dir);
        assertThat(names(dir)).containsExactly("checkpoint.bin", "notes.txt");
    }

    @Test
    void aClassifierCheckpointSaysSoAndIsVersion2(@TempDir Path dir) throws IOException {
        Run.of(1, false).write(dir);
        byte[] f = Files.readAllBytes(Checkpoint.file(dir));
        assertThat(ByteBuffer.wrap(f, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(2);
        ObjectNode h = (ObjectNode) JSON.readTree(Arrays.copyOfRange(f, 16, 16 + headerLength(f)));
        assertThat(h.get("task").asText()).isEqualTo("classify");
        assertThat(h.get("run").isObject() && h.get("run").isEmpty()).isTrue();
    }

    /**
     * {@code checkpoint-v1.bin} is {@code Run.of(1, true)} as the version 1 writer (jrnn before checkpoints had
     * a task) wrote it: a classifier's checkpoint, resumable after the upgrade.
     */
    @Test
    void aVersion1CheckpointStillResumesAsAClassifiers(@TempDir Path dir) throws IOException {
        try (var in = CheckpointTest.class.getResourceAsStream("checkpoint-v1.bin")) {
            Files.createDirectories(dir);
            Files.copy(in, Checkpoint.file(dir));
        }
        byte[] f = Files.readAllBytes(Checkpoint.file(dir));
        assertThat(ByteBuffer.wrap(f, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).as("the fixture is version 1").isEqualTo(1);
        assertThat(new String(f, 16, headerLength(f), StandardCharsets.UTF_8)).doesNotContain("\"task\"");
        Run saved = Run.of(1, true);
        Run fresh = Run.of(2, false);
        TrainingState st = fresh.read(dir);
        assertThat(fresh.everything()).containsExactly(saved.everything());
        assertThat(List.of(st.epoch, st.batch, st.step, st.bestEpoch, st.kernels)).containsExactly(1, 7, 101L, 1, "scalar");
        assertThat(st.history).isEqualTo(saved.state().history);
        for (int i = 0; i < st.best.length; i++) assertThat(st.best[i]).containsExactly(saved.state().best[i]);

        Run other = Run.of(2, false);
        assertThatThrownBy(() -> Checkpoint.read(dir, new Checkpoint.Identity("lm", FP, Map.of()), other.model().params(), other.adam()))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessage(Checkpoint.file(dir) + ": cannot resume: it is a checkpoint of a task classify run, this run's task is lm; "
                        + "use another checkpoint folder");
    }

    static Checkpoint.Identity lm(List<String> vocabulary, int bptt) {
        Map<String, Object> run = new java.util.LinkedHashMap<>();
        run.put("tokens", "char");
        run.put("bptt", bptt);
        run.put("vocabulary", vocabulary);
        return new Checkpoint.Identity("lm", FP, run);
    }

    @Test
    void aCheckpointOfAnotherTaskOrWithOtherRunEntriesIsRefusedNamingWhatDiffers(@TempDir Path dir) throws IOException {
        Run saved = Run.of(1, true);
        List<String> vocab = List.of("", "[UNK]", "[BOS]", "[EOS]", "a", "b", "\n");
        Checkpoint.write(dir, lm(vocab, 12), saved.state(), saved.model().params(), saved.adam());
        Path f = Checkpoint.file(dir);
        Run fresh = Run.of(2, false);
        float[] before = fresh.everything();
        List<Param> ps = fresh.model().params();
        Adam adam = fresh.adam();
        assertThatThrownBy(() -> fresh.read(dir)).isInstanceOf(CheckpointFormatException.class)
                .hasMessage(f + ": cannot resume: it is a checkpoint of a task lm run, this run's task is classify; use another checkpoint folder");
        assertThatThrownBy(() -> Checkpoint.read(dir, lm(vocab, 0), ps, adam))
                .hasMessage(f + ": cannot resume: it belongs to a run with another bptt (12 in the checkpoint, 0 in this run); "
                        + "use the same data and settings, or another checkpoint folder");
        List<String> swapped = List.of("", "[UNK]", "[BOS]", "[EOS]", "b", "a", "\n");
        assertThatThrownBy(() -> Checkpoint.read(dir, lm(swapped, 12), ps, adam))
                .hasMessageContaining("another vocabulary (entry 4 is \"a\" in the checkpoint, \"b\" in this run)");
        assertThatThrownBy(() -> Checkpoint.read(dir, lm(vocab.subList(0, 6), 12), ps, adam))
                .hasMessageContaining("another vocabulary (7 entries in the checkpoint, 6 in this run)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        Map<String, Object> fewer = new java.util.LinkedHashMap<>(lm(vocab, 12).run());
        fewer.remove("bptt");
        assertThatThrownBy(() -> Checkpoint.read(dir, new Checkpoint.Identity("lm", FP, fewer), ps, adam))
                .hasMessageContaining("header field run.bptt is not part of this run");
        fewer.put("tags", List.of("O"));
        fewer.put("bptt", 12);
        assertThatThrownBy(() -> Checkpoint.read(dir, new Checkpoint.Identity("lm", FP, fewer), ps, adam))
                .hasMessageContaining("the header lacks run.tags");
        assertThat(fresh.everything()).as("nothing restored from a refused checkpoint").containsExactly(before);

        TrainingState st = Checkpoint.read(dir, lm(vocab, 12), ps, adam);
        assertThat(fresh.everything()).containsExactly(saved.everything());
        assertThat(st.step).isEqualTo(101);
    }

    // ------------------------------------------------------------------ hostile checkpoints

    /** A damaged checkpoint: how to make it from a valid one, and the phrase its error must contain. */
    record Hostile(String name, UnaryOperator<byte[]> edit, String phrase) {
        @Override
        public String toString() {
            return name;
        }
    }

    static int headerLength(byte[] f) {
        return ByteBuffer.wrap(f, 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static byte[] withInt(byte[] f, int at, int value) {
        byte[] g = f.clone();
        ByteBuffer.wrap(g, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(value);
        return g;
    }

    /** Replaces the JSON header (its length field follows), keeping the tensor bytes. */
    static byte[] withHeaderBytes(byte[] f, byte[] header) {
        int len = headerLength(f);
        ByteBuffer b = ByteBuffer.allocate(f.length - len + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(f, 0, 12).putInt(header.length).put(header).put(f, 16 + len, f.length - 16 - len);
        return b.array();
    }

    static UnaryOperator<byte[]> header(Consumer<ObjectNode> edit) {
        return f -> {
            try {
                ObjectNode h = (ObjectNode) JSON.readTree(Arrays.copyOfRange(f, 16, 16 + headerLength(f)));
                edit.accept(h);
                return withHeaderBytes(f, JSON.writeValueAsBytes(h));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    static ObjectNode tensor(ObjectNode h, int i) {
        return (ObjectNode) h.get("tensors").get(i);
    }

    static List<Hostile> hostile() {
        List<Hostile> h = new ArrayList<>();
        h.add(new Hostile("empty", f -> new byte[0], "truncated: 0 bytes, shorter than the 16-byte start"));
        h.add(new Hostile("cut in the magic", f -> Arrays.copyOf(f, 4), "truncated: 4 bytes"));
        h.add(new Hostile("cut in the header", f -> Arrays.copyOf(f, 40), "runs past the end of the file (40 bytes): truncated"));
        h.add(new Hostile("cut in the tensors", f -> Arrays.copyOf(f, f.length / 2), "truncated: "));
        h.add(new Hostile("one byte short", f -> Arrays.copyOf(f, f.length - 1), ", the header describes "));
        h.add(new Hostile("trailing bytes", f -> Arrays.copyOf(f, f.length + 8), "8 bytes after the last tensor"));
        h.add(new Hostile("wrong magic", f -> {
            byte[] g = f.clone();
            g[4] = 'X';
            return g;
        }, "not a jrnn checkpoint"));
        h.add(new Hostile("a model file", f -> new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "not a jrnn checkpoint"));
        h.add(new Hostile("newer version", f -> withInt(f, 8, 3), "checkpoint version 3, this jrnn reads versions 1 to 2"));
        h.add(new Hostile("version 0", f -> withInt(f, 8, 0), "checkpoint version 0, this jrnn reads versions 1 to 2"));
        h.add(new Hostile("task missing", header(o -> o.remove("task")), "the header lacks task"));
        h.add(new Hostile("task not a string", header(o -> o.put("task", 1)), "header field task must be a string"));
        h.add(new Hostile("another task", header(o -> o.put("task", "lm")),
                "it is a checkpoint of a task lm run, this run's task is classify; use another checkpoint folder"));
        h.add(new Hostile("run missing", header(o -> o.remove("run")), "the header lacks run"));
        h.add(new Hostile("run not an object", header(o -> o.put("run", "x")), "header field run must be an object"));
        h.add(new Hostile("run with an entry of another task", header(o -> ((ObjectNode) o.get("run")).put("bptt", 8)),
                "header field run.bptt is not part of this run"));
        h.add(new Hostile("header length huge", f -> withInt(f, 12, Integer.MAX_VALUE), "header length 2147483647 is outside 2.."));
        h.add(new Hostile("header length negative", f -> withInt(f, 12, -5), "header length -5 is outside"));
        h.add(new Hostile("header length past the end", f -> withInt(f, 12, f.length), "header length " + "%LEN%" + " runs past the end"));
        h.add(new Hostile("header not json", f -> withHeaderBytes(f, "{\"epoch\": ".getBytes(StandardCharsets.UTF_8)), "the header is not valid JSON"));
        h.add(new Hostile("header an array", f -> withHeaderBytes(f, "[1, 2]".getBytes(StandardCharsets.UTF_8)), "the header is not a JSON object"));
        h.add(new Hostile("duplicate key", f -> withHeaderBytes(f, "{\"epoch\": 1, \"epoch\": 2}".getBytes(StandardCharsets.UTF_8)),
                "Duplicate field 'epoch'"));
        h.add(new Hostile("other run", header(o -> o.put("fingerprint", "another")), "belongs to a run with other settings"));
        h.add(new Hostile("fingerprint missing", header(o -> o.remove("fingerprint")), "the header lacks fingerprint"));
        h.add(new Hostile("epoch missing", header(o -> o.remove("epoch")), "the header lacks epoch"));
        h.add(new Hostile("epoch a string", header(o -> o.put("epoch", "1")), "header field epoch must be an integer"));
        h.add(new Hostile("batch negative", header(o -> o.put("batch", -1)), "header field batch is -1, expected 0..2147483647"));
        h.add(new Hostile("epoch too large", header(o -> o.put("epoch", 1L << 40)), "header field epoch is 1099511627776"));
        h.add(new Hostile("stopped not a boolean", header(o -> o.put("stopped", 0)), "header field stopped must be true or false"));
        h.add(new Hostile("loss sum not a number", header(o -> o.put("loss_sum", "lots")), "header field loss_sum must be a number"));
        h.add(new Hostile("adam step negative", header(o -> o.put("adam_iterations", -3)), "header field adam_iterations is -3"));
        h.add(new Hostile("history not an array", header(o -> o.put("history", 3)), "header field history must be an array"));
        h.add(new Hostile("history row not an object", header(o -> o.putArray("history").add(1)), "header field history[0] must be an object"));
        h.add(new Hostile("history row without loss", header(o -> ((ObjectNode) o.get("history").get(0)).remove("loss")),
                "the header lacks history[0].loss"));
        h.add(new Hostile("tensors missing", header(o -> o.remove("tensors")), "the header lacks tensors"));
        h.add(new Hostile("one tensor fewer", header(o -> o.withArray("tensors").remove(0)), "header field tensors lists "));
        h.add(new Hostile("tensor length past the end", header(o -> tensor(o, 0).put("length", 2_000_000_000)),
                "header field tensors[0] is embedding.weight (param, 2000000000 values) where the model needs embedding.weight (param, 160 values)"));
        h.add(new Hostile("tensor length beyond int", header(o -> tensor(o, 0).put("length", 1L << 40)),
                "header field tensors[0].length is 1099511627776, expected 0..2147483647"));
        h.add(new Hostile("tensor length a string", header(o -> tensor(o, 1).put("length", "160")),
                "header field tensors[1].length must be an integer"));
        h.add(new Hostile("tensors swapped", header(o -> {
            ObjectNode a = tensor(o, 0).deepCopy();
            o.withArray("tensors").set(0, tensor(o, 3));
            o.withArray("tensors").set(3, a);
        }), "where the model needs embedding.weight (param, 160 values)"));
        h.add(new Hostile("tensor kind unknown", header(o -> tensor(o, 1).put("kind", "velocity")), "is embedding.weight (velocity, 160 values)"));
        h.add(new Hostile("tensor not an object", header(o -> o.withArray("tensors").set(2, JSON.getNodeFactory().textNode("v"))),
                "header field tensors[2] must be an object"));
        return h;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aDamagedCheckpointIsRefusedInOneLineNamingTheFileAndChangesNothing(Hostile c, @TempDir Path dir) throws IOException {
        Run.of(1, false).write(dir);
        Path f = Checkpoint.file(dir);
        byte[] valid = Files.readAllBytes(f);
        Files.write(f, c.edit().apply(valid));
        Run fresh = Run.of(2, false);
        float[] before = fresh.everything();
        String phrase = c.phrase().replace("%LEN%", String.valueOf(valid.length));
        assertThatThrownBy(() -> fresh.read(dir))
                .isInstanceOf(CheckpointFormatException.class)
                .isInstanceOf(UserInputException.class)
                .hasMessageStartingWith(f + ": cannot resume: ")
                .hasMessageContaining(phrase)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
        assertThat(fresh.everything()).as("weights and moments untouched").containsExactly(before);
        assertThat(fresh.adam().iterations()).isEqualTo(102);
    }

    @Test
    void theHostileCasesStartFromACheckpointThatReads(@TempDir Path dir) throws IOException {
        // Guards the catalogue: its edits assume this layout (16-byte start, embedding.weight of 20 x 8 first).
        Run.of(1, false).write(dir);
        byte[] f = Files.readAllBytes(Checkpoint.file(dir));
        assertThat(new String(f, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("JRNNCKPT");
        Files.write(Checkpoint.file(dir), header(o -> { }).apply(f));
        Run.of(2, false).read(dir);
        assertThat(Run.of(2, false).model().params().get(0).name()).isEqualTo("embedding.weight");
        assertThat(Run.of(2, false).model().params().get(0).size()).isEqualTo(160);
    }
}
