package org.jrnn.io;

// Small models and raw zip surgery for model-file tests: a valid tiny .jrnn, its entries as bytes,
// and a catalogue of hostile variants (each with the phrase its error must contain), shared by the
// io tests and the CLI end-to-end tests.

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.jrnn.data.TextField;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.LayerSpec;

public final class TestModels {
    private TestModels() {}

    public static final List<String> CLASSES = List.of("World", "Sports", "Business");
    public static final List<String> VOCAB = List.of("", "[UNK]", "the", "team", "wins", "match", "goal", "market", "shares",
            "bank", "profit", "election", "minister", "talks", "war");
    /** Embedding(15, 6) -> GRU(5) -> Dense(3). */
    public static final ModelSpec SPEC = new ModelSpec(6, true, List.of(LayerSpec.rnn("GRU", 5, false)));

    /** A tiny GRU classifier with a two-epoch history (the second without validation). */
    public static SavedModel tiny(long seed) {
        TextVectorizer v = TextVectorizer.fromVocabulary(VOCAB);
        Sequential m = SPEC.build(v.size(), CLASSES.size(), seed);
        SavedModel.Training t = new SavedModel.Training("gru", "unit test", 2, seed, 16, 1e-3, 40, 8,
                List.of(new EpochMetrics(1, 1.1, 0.4, 1.0, 0.5, 0.25, 400, 40),
                        new EpochMetrics(2, 0.9, 0.6, Double.NaN, Double.NaN, 0.2, 400, 40)));
        return new SavedModel(SPEC, v, 20000, TextField.TITLE_AND_DESCRIPTION, CLASSES, m, t, "2024-06-11T00:00:00Z", "jrnn test");
    }

    public static Path saveTiny(Path dir) throws IOException {
        Path f = dir.resolve("tiny.jrnn");
        ModelFile.save(f, tiny(7));
        return f;
    }

    // ------------------------------------------------------------------ zip surgery

    public static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) m.put(e.getName(), in.readAllBytes());
        }
        return m;
    }

    public static void writeZip(Path zip, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode config(Map<String, byte[]> entries) {
        try {
            return (ObjectNode) JSON.readTree(entries.get(ModelFile.CONFIG));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] json(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A safetensors file from a header text and raw data. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return safetensors(h.length, h, data);
    }

    static byte[] safetensors(long declaredHeaderLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(header).put(data);
        return b.array();
    }

    /** The weights entry's header JSON and data section. */
    static String weightsHeader(byte[] weights) {
        long n = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(weights, 8, (int) n, StandardCharsets.UTF_8).strip();
    }

    static byte[] weightsData(byte[] weights) {
        long n = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(weights, 8 + (int) n, weights.length);
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    static void putIntLE(byte[] b, int at, int v) {
        ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
    }

    /** Offset of the central-directory record of {@code name} (its second occurrence; the first is the local header). */
    static int centralRecord(byte[] zip, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int local = indexOf(zip, n, 0);
        int central = indexOf(zip, n, local + 1);
        if (central < 0) throw new IllegalStateException(name + " not found twice");
        return central - 46; // fixed part of a central-directory file header
    }

    // ------------------------------------------------------------------ hostile files

    /** Turns a valid model file into a hostile one at {@code out}. */
    @FunctionalInterface
    public interface Mutation {
        void apply(Path valid, Path out) throws IOException;
    }

    /** A hostile model file and the phrase its one-line error must contain. */
    public record Hostile(String name, Mutation mutation, String expected) {
        @Override
        public String toString() {
            return name;
        }

        public Path make(Path dir) throws IOException {
            Path valid = saveTiny(dir);
            Path out = dir.resolve("hostile-" + name.replaceAll("[^a-z0-9]+", "-") + ".jrnn");
            mutation.apply(valid, out);
            return out;
        }
    }

    private static Mutation entries(EntriesEdit edit) {
        return (valid, out) -> {
            Map<String, byte[]> e = entries(valid);
            edit.apply(e);
            writeZip(out, e);
        };
    }

    @FunctionalInterface
    private interface EntriesEdit {
        void apply(Map<String, byte[]> e) throws IOException;
    }

    private static Mutation configEdit(java.util.function.Consumer<ObjectNode> edit) {
        return entries(e -> {
            ObjectNode c = config(e);
            edit.accept(c);
            e.put(ModelFile.CONFIG, json(c));
        });
    }

    /** Replaces the weights header, keeping the data. */
    private static Mutation headerEdit(java.util.function.UnaryOperator<String> edit) {
        return entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            e.put(ModelFile.WEIGHTS, safetensors(edit.apply(weightsHeader(w)), weightsData(w)));
        });
    }

    private static Mutation bytes(java.util.function.UnaryOperator<byte[]> edit) {
        return (valid, out) -> Files.write(out, edit.apply(Files.readAllBytes(valid)));
    }

    public static List<Hostile> hostile() {
        List<Hostile> h = new ArrayList<>();
        h.add(new Hostile("binary garbage", bytes(b -> {
            byte[] g = new byte[4096];
            new java.util.Random(1).nextBytes(g);
            return g;
        }), "does not start with a zip signature"));
        h.add(new Hostile("empty file", bytes(b -> new byte[0]), "does not start with a zip signature"));
        h.add(new Hostile("truncated zip", bytes(b -> Arrays.copyOf(b, b.length / 2)), "truncated or corrupted"));
        h.add(new Hostile("truncated central directory", bytes(b -> Arrays.copyOf(b, b.length - 10)), "truncated or corrupted"));
        h.add(new Hostile("corrupted bytes", bytes(b -> {
            byte[] c = b.clone();
            int at = indexOf(c, ModelFile.WEIGHTS.getBytes(StandardCharsets.UTF_8), 0) + ModelFile.WEIGHTS.length() + 200;
            for (int i = 0; i < 64; i++) c[at + i] ^= (byte) 0x5A;
            return c;
        }), "corrupted"));
        h.add(new Hostile("missing entry", entries(e -> e.remove(ModelFile.VOCAB)), "missing entry vocab.txt"));
        h.add(new Hostile("unexpected entry", entries(e -> e.put("notes.txt", new byte[] {1})), "unexpected entry 'notes.txt'"));
        h.add(new Hostile("dot-dot entry name", entries(e -> e.put("../evil", new byte[] {1})), "unsafe entry name '../evil'"));
        h.add(new Hostile("nested dot-dot entry name", entries(e -> e.put("a/../../evil.sh", new byte[] {1})), "unsafe entry name"));
        h.add(new Hostile("absolute entry name", entries(e -> e.put("/etc/cron.d/evil", new byte[] {1})), "unsafe entry name '/etc/cron.d/evil'"));
        h.add(new Hostile("duplicate entry", (valid, out) -> {
            Map<String, byte[]> e = entries(valid);
            e.put("config.jsoX", e.get(ModelFile.CONFIG)); // same length as config.json, renamed below
            Path tmp = out.resolveSibling("dup.tmp");
            writeZip(tmp, e);
            byte[] z = Files.readAllBytes(tmp);
            byte[] from = "config.jsoX".getBytes(StandardCharsets.UTF_8);
            for (int i = indexOf(z, from, 0); i >= 0; i = indexOf(z, from, i + 1)) z[i + 10] = 'n';
            Files.write(out, z);
            Files.delete(tmp);
        }, "duplicate entry 'config.json'"));
        h.add(new Hostile("huge declared entry size", bytes(b -> {
            byte[] c = b.clone();
            putIntLE(c, centralRecord(c, ModelFile.WEIGHTS) + 24, 0x7FFFFFF0);
            return c;
        }), "over the limit"));
        h.add(new Hostile("understated entry size", bytes(b -> {
            byte[] c = b.clone();
            putIntLE(c, centralRecord(c, ModelFile.CONFIG) + 24, 10);
            return c;
        }), "declares 10"));
        h.add(new Hostile("config bomb", entries(e -> e.put(ModelFile.CONFIG, new byte[(int) ModelFile.MAX_CONFIG_BYTES + 1])),
                "over the limit of 1048576"));
        h.add(new Hostile("wrong format version", configEdit(c -> c.put("format_version", 2)), "format_version 2 is newer than this jrnn reads (1); HINT"));
        h.add(new Hostile("format version zero", configEdit(c -> c.put("format_version", 0)), "format_version 0 is not a version"));
        h.add(new Hostile("wrong format name", configEdit(c -> c.put("format", "keras-model")), "format 'keras-model'"));
        h.add(new Hostile("config not json", entries(e -> e.put(ModelFile.CONFIG, "{\"format\": ".getBytes(StandardCharsets.UTF_8))), "invalid JSON"));
        h.add(new Hostile("duplicate config key", entries(e -> e.put(ModelFile.CONFIG,
                "{\"format\":\"jrnn-model\",\"format\":\"jrnn-model\"}".getBytes(StandardCharsets.UTF_8))), "Duplicate field 'format'"));
        h.add(new Hostile("unknown config key", configEdit(c -> c.put("output_sequence_length", 20)), "unexpected key 'output_sequence_length'"));
        h.add(new Hostile("unknown standardize", configEdit(c -> ((ObjectNode) c.get("vectorizer")).put("standardize", "lower")),
                "'lower' is not supported"));
        h.add(new Hostile("unknown layer type", configEdit(c -> ((ObjectNode) c.get("architecture").get("layers").get(0)).put("type", "Transformer")),
                "unknown layer type 'Transformer'"));
        h.add(new Hostile("shape mismatch", configEdit(c -> ((ObjectNode) c.get("architecture").get("layers").get(0)).put("units", 6)),
                "tensor rnn.weight_ih_l0 has shape [15, 6] but the architecture in config.json needs [18, 6]"));
        h.add(new Hostile("class count mismatch", configEdit(c -> {
            c.put("num_classes", 4);
            c.withArray("class_names").add("Sci/Tech");
        }), "tensor fc.weight has shape [3, 5] but the architecture in config.json needs [4, 5]"));
        h.add(new Hostile("class names mismatch", configEdit(c -> c.withArray("class_names").add("Sci/Tech")), "lists 4 names but num_classes is 3"));
        h.add(new Hostile("vocabulary size mismatch", entries(e -> e.put(ModelFile.VOCAB,
                (String.join("\n", VOCAB) + "\nextra\n").getBytes(StandardCharsets.UTF_8))), "vocab.txt has 16 entries but config.json says vocab_size 15"));
        h.add(new Hostile("vocabulary not utf-8", entries(e -> e.put(ModelFile.VOCAB, new byte[] {'\n', '[', 'U', 'N', 'K', ']', '\n', (byte) 0xC3, 0x28})),
                "vocab.txt is not valid UTF-8"));
        h.add(new Hostile("vocabulary without unk", entries(e -> e.put(ModelFile.VOCAB,
                (String.join("\n", VOCAB).replace("[UNK]", "unk") + "\n").getBytes(StandardCharsets.UTF_8))), "vocab.txt: vocabulary entry 1 must be"));
        h.add(new Hostile("huge header length", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            e.put(ModelFile.WEIGHTS, safetensors(1L << 40, new byte[0], weightsData(w)));
        }), "header length 1099511627776 exceeds the limit"));
        h.add(new Hostile("negative header length", entries(e -> e.put(ModelFile.WEIGHTS, safetensors(-8L, new byte[0], new byte[16]))),
                "exceeds the limit"));
        h.add(new Hostile("header past the end", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            e.put(ModelFile.WEIGHTS, Arrays.copyOf(w, 200));
        }), "runs past the end of the file"));
        h.add(new Hostile("truncated weights", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            e.put(ModelFile.WEIGHTS, Arrays.copyOf(w, w.length - 4));
        }), "run past the end of the data section"));
        h.add(new Hostile("trailing weight bytes", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            e.put(ModelFile.WEIGHTS, Arrays.copyOf(w, w.length + 4));
        }), "but the data section holds"));
        h.add(new Hostile("offsets out of range", headerEdit(s -> s.replace("\"data_offsets\":[0,360]", "\"data_offsets\":[0,99999360]")), "run past the end of the data section"));
        h.add(new Hostile("overlapping offsets", headerEdit(s -> overlap(s)), "overlap the previous tensor"));
        h.add(new Hostile("shape disagrees with offsets", headerEdit(s -> s.replace("\"shape\":[15,6]", "\"shape\":[15,7]")), "needs 420 bytes of F32"));
        h.add(new Hostile("wrong dtype", headerEdit(s -> s.replaceFirst("\"dtype\":\"F32\"", "\"dtype\":\"F16\"")), "has dtype F16; jrnn reads F32 only"));
        h.add(new Hostile("missing tensor", headerEdit(s -> s.replace("\"fc.bias\"", "\"fc.bias_old\"")), "missing tensor fc.bias"));
        h.add(new Hostile("nan weights", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            int data = w.length - weightsData(w).length;
            ByteBuffer.wrap(w, data + 4 * 17, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        }), "tensor embedding.weight holds NaN at index 17"));
        h.add(new Hostile("infinite weights", entries(e -> {
            byte[] w = e.get(ModelFile.WEIGHTS);
            ByteBuffer.wrap(w, w.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NEGATIVE_INFINITY);
        }), "holds -Infinity"));
        return h;
    }

    /** Moves the second tensor's range 4 bytes back, into the first one's. */
    private static String overlap(String header) {
        try {
            ObjectNode h = (ObjectNode) JSON.readTree(header);
            long first = -1;
            for (var it = h.fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getKey().equals(Safetensors.METADATA)) continue;
                var off = (com.fasterxml.jackson.databind.node.ArrayNode) f.getValue().get("data_offsets");
                if (off.get(0).asLong() == 0) first = off.get(1).asLong();
            }
            for (var it = h.fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getKey().equals(Safetensors.METADATA)) continue;
                var off = (com.fasterxml.jackson.databind.node.ArrayNode) f.getValue().get("data_offsets");
                if (off.get(0).asLong() == first) {
                    off.set(0, first - 4);
                    off.set(1, off.get(1).asLong() - 4);
                }
            }
            return JSON.writeValueAsString(h);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
