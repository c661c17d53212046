// Training checkpoints (docs/FORMAT.md, "Checkpoints"): magic "JRNNCKPT", int32 version, int32 header length,
// a UTF-8 JSON header, then float32 tensors. Version 2 adds the run's task and what that task needs to resume
// (a language model's vocabulary, tokens, BPTT and architecture; a tagger's vocabulary, tags and architecture);
// version 1 files, written by classifier runs before there was a task, still resume as task "classify". Written through files.AtomicFiles, so a crash leaves the previous
// checkpoint whole. Read like a model file: no length in the file is trusted; every header field is checked
// for type and range and the file's size against the header before anything is allocated or overwritten.
package org.jrnn.train;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.JsonFields;
import org.jrnn.model.EpochMetrics;
import org.jrnn.nn.Param;
import org.jrnn.optim.Adam;

/**
 * A training checkpoint: one file {@code checkpoint.bin} in the checkpoint folder holding the loop position
 * ({@link TrainingState}), every weight, Adam's moments and step count, and the run's {@link Identity}: its
 * task, a fingerprint of its settings and what the task needs to resume. Layout: magic "JRNNCKPT", int32 little-endian version, int32 little-endian header length, UTF-8
 * JSON header, then float32 little-endian tensors in header order: per parameter its weights, Adam's m and v,
 * and early stopping's best weights when the run keeps them.
 *
 * <p>Written with {@link AtomicFiles}: a temp file forced to disk, then renamed over the previous checkpoint,
 * so a crash at any moment (kill -9 included) leaves either the old or the new checkpoint whole.
 */
public final class Checkpoint {
    static final String FILE = "checkpoint.bin";
    private static final byte[] MAGIC = "JRNNCKPT".getBytes(StandardCharsets.US_ASCII);
    /** The version written. Version 1 (no {@code task}, no {@code run}: a classifier's) is still read. */
    private static final int VERSION = 2;
    /** Magic, version and header length. */
    private static final int PREFIX = MAGIC.length + 8;
    private static final int MAX_HEADER = 64 << 20;
    private static final String[] KINDS = {"param", "m", "v", "best"};
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Checkpoint() {}

    /** The task of a classifier run; version 1 checkpoints, which do not record a task, are theirs. */
    public static final String CLASSIFY = "classify";

    /**
     * Which run a checkpoint belongs to; {@link #read} refuses a checkpoint of another.
     *
     * @param task "classify", "tag" or "lm"; a checkpoint of another task is refused naming both
     * @param fingerprint the run's settings (compared as a whole) and the kernels computing it (a warning only)
     * @param run what the task needs to resume besides the weights, stored in the header's {@code run} object
     *     as JSON and compared entry by entry on resume, so a refusal names what differs (a tagger's
     *     {@code vocabulary}, {@code tags} and {@code spec}; a language model's also {@code tokens} and {@code bptt})
     */
    public record Identity(String task, TrainConfig.Fingerprint fingerprint, Map<String, Object> run) {
        public Identity {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(fingerprint, "fingerprint");
            run = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(run));
        }

        /** A classifier's: the fingerprint alone (its vocabulary is in the fingerprint as a hash). */
        public static Identity classifier(TrainConfig.Fingerprint fingerprint) {
            return new Identity(CLASSIFY, fingerprint, Map.of());
        }

        /** The {@code run} entries as JSON, as the header holds them after a round trip. */
        ObjectNode runJson() {
            try {
                return (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(run));
            } catch (IOException e) {
                throw new IllegalArgumentException("run entries that are not JSON: " + e.getMessage(), e);
            }
        }
    }

    public static Path file(Path dir) {
        return dir.resolve(FILE);
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(file(dir));
    }

    /** An architecture as a {@code run} entry: its JSON as a tree, so the header shows it as written. */
    static JsonNode specJson(org.jrnn.model.ModelSpec spec) {
        try {
            return JSON.readTree(spec.toJson());
        } catch (IOException e) {
            throw new IllegalStateException("ModelSpec.toJson wrote invalid JSON: " + e.getMessage(), e);
        }
    }

    /** Where a fit loop starts (a fresh or restored state) and where it saves its checkpoints (null: nowhere). */
    record Start(TrainingState state, Trainer.CheckpointSink sink) {}

    /**
     * The checkpoint side of a run, the same for every task: without a checkpoint folder a fresh state and no
     * sink. With one, an existing checkpoint is refused unless {@code rc.resume()}, and restored when it is
     * (with a warning when other kernels computed it); the trainer's checkpoint interval is set, and the sink
     * writes {@code trainer}'s parameters and Adam state under {@code id}.
     */
    static Start start(RunConfig rc, Identity id, Trainer trainer, TrainingListener listener) throws IOException {
        if (rc.checkpointDir() == null) return new Start(new TrainingState(), null);
        Path dir = rc.checkpointDir();
        List<Param> params = trainer.model().params();
        Adam adam = trainer.optimizer();
        TrainingState state = new TrainingState();
        if (exists(dir)) {
            if (!rc.resume()) {
                throw new org.jrnn.errors.InvalidOptionException(n -> dir + " already holds a checkpoint: continue it with " + n.apply("resume")
                        + ", or choose another " + n.apply("checkpointDir"));
            }
            state = read(dir, id, params, adam);
            String numerics = id.fingerprint().numerics();
            if (!numerics.equals(state.kernels())) listener.warning(TrainJob.numericsWarning(state.kernels(), numerics));
            listener.resumed(state.epoch() + 1, state.batch(), state.step());
        }
        trainer.checkpointEvery(rc.checkpointEvery());
        return new Start(state, st -> {
            try {
                write(dir, id, st, params, adam);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write checkpoint: " + e.getMessage(), e); // names the file
            }
        });
    }

    /**
     * Writes the checkpoint atomically. Temp files of writes a crash interrupted are removed first: the folder
     * belongs to this run.
     *
     * @throws IOException naming the file, with the disk's error as cause; the previous checkpoint is intact
     */
    public static void write(Path dir, TrainConfig.Fingerprint fingerprint, TrainingState st, List<Param> params, Adam adam) throws IOException {
        write(dir, Identity.classifier(fingerprint), st, params, adam);
    }

    /** {@link #write(Path, TrainConfig.Fingerprint, TrainingState, List, Adam)} for a run of any task. */
    public static void write(Path dir, Identity id, TrainingState st, List<Param> params, Adam adam) throws IOException {
        Path file = file(dir);
        for (Path torn : AtomicFiles.leftovers(file)) Files.deleteIfExists(torn);
        int kinds = st.best != null ? 4 : 3;
        TrainConfig.Fingerprint fingerprint = id.fingerprint();
        ObjectNode h = JSON.createObjectNode();
        h.put("task", id.task());
        h.set("run", id.runJson());
        h.put("fingerprint", fingerprint.settings());
        h.put("kernels", fingerprint.numerics());
        h.put("epoch", st.epoch).put("batch", st.batch).put("step", st.step);
        h.put("loss_sum", st.lossSum).put("correct", st.correct).put("seen", st.seen).put("tokens", st.tokens);
        h.put("epoch_seconds", st.epochSeconds).put("best_loss", st.bestLoss).put("best_epoch", st.bestEpoch);
        h.put("stopped", st.stopped).put("adam_iterations", adam.iterations());
        ArrayNode hist = h.putArray("history");
        for (EpochMetrics m : st.history) hist.add(JSON.valueToTree(m));
        ArrayNode tensors = h.putArray("tensors");
        for (Param p : params) {
            for (int k = 0; k < kinds; k++) tensors.addObject().put("name", p.name()).put("kind", KINDS[k]).put("length", p.size());
        }
        byte[] header = JSON.writeValueAsBytes(h);
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putInt(VERSION).putInt(header.length).array());
            out.write(header);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < params.size(); i++) {
                for (int k = 0; k < kinds; k++) {
                    for (float v : tensor(params.get(i), k, st, adam, i)) {
                        if (!buf.hasRemaining()) flush(buf, out);
                        buf.putFloat(v);
                    }
                }
            }
            flush(buf, out);
        });
    }

    private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /** The array behind tensor {@code KINDS[kind]} of parameter {@code index}. */
    private static float[] tensor(Param p, int kind, TrainingState st, Adam adam, int index) {
        return switch (kind) {
            case 0 -> p.data;
            case 1 -> adam.moments(p)[0];
            case 2 -> adam.moments(p)[1];
            default -> st.best[index];
        };
    }

    /**
     * Restores weights, Adam state and the loop position from dir; checks the fingerprint so a checkpoint of
     * another run is never continued by mistake. Nothing is overwritten until the whole header has been
     * checked against the model and the file's size. The kernels that computed it are left in
     * {@link TrainingState#kernels()} for the caller to compare.
     *
     * @throws CheckpointFormatException for any problem with the file, naming it
     * @throws IOException for failures of the disk itself
     */
    public static TrainingState read(Path dir, TrainConfig.Fingerprint fingerprint, List<Param> params, Adam adam) throws IOException {
        return read(dir, Identity.classifier(fingerprint), params, adam);
    }

    /**
     * {@link #read(Path, TrainConfig.Fingerprint, List, Adam)} for a run of any task: the checkpoint's task, then its
     * {@code run} entries, then its fingerprint must be this run's.
     */
    public static TrainingState read(Path dir, Identity id, List<Param> params, Adam adam) throws IOException {
        TrainConfig.Fingerprint fingerprint = id.fingerprint();
        Path f = file(dir);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
             DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16))) {
            long size = ch.size();
            if (size < PREFIX) throw bad(f, "truncated: " + size + " bytes, shorter than the " + PREFIX + "-byte start of a checkpoint");
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw bad(f, "not a jrnn checkpoint (it does not start with JRNNCKPT)");
            ByteBuffer ints = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN);
            int version = ints.getInt();
            if (version < 1 || version > VERSION) {
                throw bad(f, "checkpoint version " + version + ", this jrnn reads versions 1 to " + VERSION);
            }
            int len = ints.getInt();
            if (len < 2 || len > MAX_HEADER) throw bad(f, "header length " + len + " is outside 2.." + MAX_HEADER);
            if (len > size - PREFIX) {
                throw bad(f, "header length " + len + " runs past the end of the file (" + size + " bytes): truncated");
            }
            JsonFields h = header(parseHeader(in.readNBytes(len), f), f);

            String task = version == 1 ? CLASSIFY : h.text("task");
            if (!task.equals(id.task())) {
                throw bad(f, "it is a checkpoint of a task " + task + " run, this run's task is " + id.task()
                        + "; use another checkpoint folder");
            }
            if (version > 1) checkRun(h, id.runJson(), f);
            String theirs = h.text("fingerprint");
            if (!fingerprint.settings().equals(theirs)) {
                throw bad(f, "it belongs to a run with other settings; use the same preset, data, seed, batch size, threads "
                        + "and options, or another checkpoint folder (checkpoint: " + theirs + ")");
            }
            TrainingState st = new TrainingState();
            // Which kernels computed it ("scalar", "vector(512-bit)"); absent in older checkpoints. The caller
            // compares it with its own and warns: other kernels continue, but not bit for bit.
            st.kernels = h.node().hasNonNull("kernels") ? h.text("kernels") : null;
            st.epoch = (int) h.integer("epoch", 0, Integer.MAX_VALUE);
            st.batch = (int) h.integer("batch", 0, Integer.MAX_VALUE);
            st.step = h.integer("step", 0, Long.MAX_VALUE);
            st.lossSum = h.number("loss_sum");
            st.correct = h.integer("correct", 0, Long.MAX_VALUE);
            st.seen = h.integer("seen", 0, Long.MAX_VALUE);
            st.tokens = h.integer("tokens", 0, Long.MAX_VALUE);
            st.epochSeconds = h.number("epoch_seconds");
            st.bestLoss = h.number("best_loss");
            st.bestEpoch = (int) h.integer("best_epoch", 0, Integer.MAX_VALUE);
            st.stopped = h.bool("stopped");
            long adamIterations = h.integer("adam_iterations", 0, Long.MAX_VALUE);
            JsonNode history = h.array("history");
            for (int i = 0; i < history.size(); i++) st.history.add(epochMetrics(h.element("history", i)));

            int kinds = checkTensors(h, params, len, size, f);
            if (kinds == 4) st.best = new float[params.size()][];
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                for (int k = 0; k < kinds; k++) {
                    if (k == 3) st.best[i] = new float[p.size()]; // sizes of the model, checked against the file above
                    readFloats(in, tensor(p, k, st, adam, i));
                }
            }
            adam.setIterations(adamIterations);
            return st;
        } catch (EOFException e) {
            throw bad(f, "truncated while reading (was it written to while jrnn read it?)");
        }
    }

    /** The header's {@code run} object must hold exactly {@code want}'s entries, equal; a refusal names the first that differs. */
    private static void checkRun(JsonFields h, ObjectNode want, Path f) {
        JsonNode have = h.node().get("run");
        if (have == null || have.isNull()) throw h.missing("run");
        if (!have.isObject()) throw h.fail("run", "must be an object");
        for (Iterator<String> keys = have.fieldNames(); keys.hasNext(); ) {
            String k = keys.next();
            if (!want.has(k)) throw h.fail("run." + k, "is not part of this run (a checkpoint of another kind of run?)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode theirs = have.get(e.getKey());
            if (theirs == null) throw h.missing("run." + e.getKey());
            if (!theirs.equals(e.getValue())) {
                throw bad(f, "it belongs to a run with another " + e.getKey() + " (" + difference(theirs, e.getValue())
                        + "); use the same data and settings, or another checkpoint folder");
            }
        }
    }

    /** How a checkpoint's run entry differs from this run's, briefly: lists by size or their first different entry. */
    private static String difference(JsonNode theirs, JsonNode ours) {
        if (theirs.isArray() && ours.isArray()) {
            if (theirs.size() != ours.size()) return theirs.size() + " entries in the checkpoint, " + ours.size() + " in this run";
            int i = 0;
            while (theirs.get(i).equals(ours.get(i))) i++;
            return "entry " + i + " is " + brief(theirs.get(i)) + " in the checkpoint, " + brief(ours.get(i)) + " in this run";
        }
        return brief(theirs) + " in the checkpoint, " + brief(ours) + " in this run";
    }

    /** A value as JSON on one line, cut to 80 characters. */
    private static String brief(JsonNode v) {
        String s = v.toString(); // JSON escapes line breaks: one line
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /**
     * Checks the tensor list against the model (count, order, names, kinds, lengths) and the file's size against
     * the sum of the lengths, and returns the kinds per parameter: 3, or 4 with early stopping's best weights.
     */
    private static int checkTensors(JsonFields h, List<Param> params, int headerLength, long size, Path f) {
        JsonNode tensors = h.array("tensors");
        int n = tensors.size();
        int kinds = n == params.size() * 4 ? 4 : 3;
        if (n != params.size() * kinds) {
            throw h.fail("tensors", "lists " + n + " tensors, but a checkpoint of this model holds " + params.size() * 3
                    + " (weights, Adam m and v of " + params.size() + " parameters) or " + params.size() * 4 + " (with best weights)");
        }
        long floats = 0;
        for (int j = 0; j < n; j++) {
            Param p = params.get(j / kinds);
            String kind = KINDS[j % kinds];
            JsonFields t = h.element("tensors", j);
            String name = t.text("name");
            String theirKind = t.text("kind");
            long length = t.integer("length", 0, Integer.MAX_VALUE);
            if (!p.name().equals(name) || !kind.equals(theirKind) || length != p.size()) {
                throw h.fail("tensors[" + j + "]", "is " + name + " (" + theirKind + ", " + length + " values) where the model needs "
                        + p.name() + " (" + kind + ", " + p.size() + " values)");
            }
            floats += length;
        }
        long expected = PREFIX + (long) headerLength + floats * Float.BYTES;
        if (size < expected) throw bad(f, "truncated: " + size + " bytes, the header describes " + expected);
        if (size > expected) throw bad(f, (size - expected) + " bytes after the last tensor (the header describes " + expected + ")");
        return kinds;
    }

    private static JsonNode parseHeader(byte[] bytes, Path f) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw bad(f, "the header is not valid JSON (" + why + ")");
        }
        if (root == null || !root.isObject()) throw bad(f, "the header is not a JSON object");
        return root;
    }

    private static void readFloats(DataInputStream in, float[] target) throws IOException {
        byte[] bytes = new byte[Math.min(1 << 16, target.length * Float.BYTES)];
        int i = 0;
        while (i < target.length) {
            int n = Math.min(bytes.length, (target.length - i) * Float.BYTES);
            in.readFully(bytes, 0, n);
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, n).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) target[i++] = b.getFloat();
        }
    }

    private static CheckpointFormatException bad(Path f, String why) {
        return new CheckpointFormatException(f, why);
    }

    /** The header's root; errors name the key path ("history[2].loss"). */
    private static JsonFields header(JsonNode root, Path f) {
        return JsonFields.root(root, (path, problem) -> bad(f, "header field " + path + " " + problem),
                path -> bad(f, "the header lacks " + path));
    }

    /** One history row as {@code JSON.valueToTree(EpochMetrics)} writes it. */
    private static EpochMetrics epochMetrics(JsonFields e) {
        return new EpochMetrics((int) e.integer("epoch", 0, Integer.MAX_VALUE), e.number("loss"), e.number("accuracy"),
                e.number("valLoss"), e.number("valAccuracy"), e.number("seconds"),
                e.integer("realTokens", 0, Long.MAX_VALUE), e.integer("samples", 0, Long.MAX_VALUE));
    }
}
