package org.jrnn.train;

import org.jrnn.model.EpochMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.jrnn.errors.UserInputException;
import org.jrnn.nn.Param;
import org.jrnn.optim.Adam;

/**
 * A training checkpoint: one file {@code checkpoint.bin} in the checkpoint folder holding the
 * loop position ({@link TrainingState}), every weight, Adam's moments and step count, and a
 * fingerprint of the run's settings. Layout: magic "JRNNCKPT", int32 version, int32 header
 * length, UTF-8 JSON header, then float32 little-endian tensors in header order.
 *
 * <p>Written to a temp file, forced to disk, then renamed over the previous checkpoint, so a
 * crash at any moment (kill -9 included) leaves either the old or the new checkpoint whole.
 */
public final class Checkpoint {
    static final String FILE = "checkpoint.bin";
    private static final byte[] MAGIC = "JRNNCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MAX_HEADER = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Test hook: halt the JVM half-way through writing the n-th checkpoint (simulated crash). */
    private static final int HALT_DURING_WRITE = Integer.getInteger("jrnn.test.haltDuringCheckpoint", 0);
    private static int writes;

    private Checkpoint() {}

    public static Path file(Path dir) {
        return dir.resolve(FILE);
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(file(dir));
    }

    public static void write(Path dir, TrainConfig.Fingerprint fingerprint, TrainingState st, List<Param> params, Adam adam) throws IOException {
        Files.createDirectories(dir);
        ObjectNode h = JSON.createObjectNode();
        h.put("fingerprint", fingerprint.settings());
        h.put("kernels", fingerprint.numerics());
        h.put("epoch", st.epoch).put("batch", st.batch).put("step", st.step);
        h.put("loss_sum", st.lossSum).put("correct", st.correct).put("seen", st.seen).put("tokens", st.tokens);
        h.put("epoch_seconds", st.epochSeconds).put("best_loss", st.bestLoss).put("best_epoch", st.bestEpoch);
        h.put("stopped", st.stopped).put("adam_iterations", adam.iterations());
        ArrayNode hist = h.putArray("history");
        for (EpochMetrics m : st.history) hist.add(JSON.valueToTree(m));
        ArrayNode tensors = h.putArray("tensors");
        long floats = 0;
        for (Param p : params) {
            for (String kind : kinds(st)) {
                tensors.addObject().put("name", p.name()).put("kind", kind).put("length", p.size());
                floats += p.size();
            }
        }
        byte[] header = JSON.writeValueAsBytes(h);
        Path tmp = dir.resolve(FILE + ".tmp");
        boolean halt = HALT_DURING_WRITE > 0 && ++writes == HALT_DURING_WRITE;
        long halfway = (MAGIC.length + 8 + header.length + floats * 4) / 2;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
            ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(VERSION).putInt(header.length);
            out.write(head.array());
            out.write(header);
            long written = MAGIC.length + 8 + header.length;
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            int i = 0;
            for (Param p : params) {
                for (String kind : kinds(st)) {
                    float[] a = tensor(p, kind, st, params, adam, i);
                    for (float v : a) {
                        if (!buf.hasRemaining()) {
                            out.write(buf.array(), 0, buf.position());
                            written += buf.position();
                            buf.clear();
                            if (halt && written >= halfway) {
                                out.flush();
                                Runtime.getRuntime().halt(137);
                            }
                        }
                        buf.putFloat(v);
                    }
                }
                i++;
            }
            out.write(buf.array(), 0, buf.position());
            out.flush();
            ch.force(true);
        }
        try {
            Files.move(tmp, file(dir), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file(dir), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String[] kinds(TrainingState st) {
        return st.best != null ? new String[] {"param", "m", "v", "best"} : new String[] {"param", "m", "v"};
    }

    private static float[] tensor(Param p, String kind, TrainingState st, List<Param> params, Adam adam, int index) {
        return switch (kind) {
            case "param" -> p.data;
            case "m" -> adam.moments(p)[0];
            case "v" -> adam.moments(p)[1];
            default -> st.best[index];
        };
    }

    /**
     * Restores weights, Adam state and the loop position from dir; checks the fingerprint's settings so a
     * checkpoint of another run is never continued by mistake. The kernels that computed it are left in
     * {@link TrainingState#kernels()} for the caller to compare.
     */
    public static TrainingState read(Path dir, TrainConfig.Fingerprint fingerprint, List<Param> params, Adam adam) throws IOException {
        Path f = file(dir);
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
            DataInputStream d = new DataInputStream(in);
            byte[] magic = new byte[MAGIC.length];
            d.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw bad(f, "not a jrnn checkpoint");
            ByteBuffer ints = ByteBuffer.wrap(d.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN);
            if (ints.remaining() < 8) throw bad(f, "truncated");
            int version = ints.getInt();
            if (version != VERSION) throw bad(f, "checkpoint version " + version + ", this jrnn reads version " + VERSION);
            int len = ints.getInt();
            if (len < 2 || len > MAX_HEADER || len > Files.size(f)) throw bad(f, "bad header length " + len);
            JsonNode h = JSON.readTree(d.readNBytes(len));
            if (!fingerprint.settings().equals(h.path("fingerprint").asText())) {
                throw bad(f, "it belongs to a run with other settings; use the same preset, data, seed, batch size, threads "
                        + "and options, or another --checkpoint-dir (checkpoint: " + h.path("fingerprint").asText() + ")");
            }
            TrainingState st = new TrainingState();
            st.kernels = h.hasNonNull("kernels") ? h.get("kernels").asText() : null;
            st.epoch = h.get("epoch").asInt();
            st.batch = h.get("batch").asInt();
            st.step = h.get("step").asLong();
            st.lossSum = h.get("loss_sum").asDouble();
            st.correct = h.get("correct").asLong();
            st.seen = h.get("seen").asLong();
            st.tokens = h.get("tokens").asLong();
            st.epochSeconds = h.get("epoch_seconds").asDouble();
            st.bestLoss = h.get("best_loss").asDouble();
            st.bestEpoch = h.get("best_epoch").asInt();
            st.stopped = h.get("stopped").asBoolean();
            for (JsonNode m : h.get("history")) st.history.add(JSON.treeToValue(m, EpochMetrics.class));
            boolean hasBest = false;
            JsonNode tensors = h.get("tensors");
            for (JsonNode t : tensors) hasBest |= "best".equals(t.get("kind").asText());
            if (tensors.size() != params.size() * (hasBest ? 4 : 3)) throw bad(f, "holds " + tensors.size() + " tensors for " + params.size() + " parameters");
            if (hasBest) st.best = new float[params.size()][];
            int ti = 0;
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                for (String kind : hasBest ? new String[] {"param", "m", "v", "best"} : new String[] {"param", "m", "v"}) {
                    JsonNode t = tensors.get(ti++);
                    if (!p.name().equals(t.get("name").asText()) || !kind.equals(t.get("kind").asText()) || t.get("length").asInt() != p.size()) {
                        throw bad(f, "tensor " + t + " does not match parameter " + p);
                    }
                    float[] target = switch (kind) {
                        case "param" -> p.data;
                        case "m" -> adam.moments(p)[0];
                        case "v" -> adam.moments(p)[1];
                        default -> st.best[i] = new float[p.size()];
                    };
                    readFloats(d, target, f);
                }
            }
            adam.setIterations(h.get("adam_iterations").asLong());
            return st;
        } catch (EOFException e) {
            throw bad(f, "truncated");
        } catch (com.fasterxml.jackson.core.JsonProcessingException | NullPointerException e) {
            throw bad(f, "unreadable header");
        }
    }

    private static void readFloats(DataInputStream d, float[] target, Path f) throws IOException {
        byte[] bytes = new byte[1 << 16];
        int i = 0;
        while (i < target.length) {
            int n = Math.min(bytes.length, (target.length - i) * 4);
            d.readFully(bytes, 0, n);
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, n).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) target[i++] = b.getFloat();
        }
    }

    private static UserInputException bad(Path f, String why) {
        return new UserInputException(f + ": cannot resume: " + why);
    }
}
