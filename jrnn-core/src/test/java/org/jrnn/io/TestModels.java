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

    // ------------------------------------------------------------------ zip bombs

    /**
     * One entry of a zip written byte by byte, so that its headers can lie: {@code local*} go into the
     * local header, {@code central*} into the central directory, {@code data} is written as is.
     */
    public record RawEntry(String name, int method, long crc, long compressedSize, long localSize, long centralSize, byte[] data) {
        /** A stored entry whose headers tell the truth. */
        static RawEntry stored(String name, byte[] data) {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(data);
            return new RawEntry(name, ZipEntry.STORED, crc.getValue(), data.length, data.length, data.length, data);
        }
    }

    /** A zip (no data descriptors, no zip64) of the given entries: local headers and data, central directory, end record. */
    public static byte[] rawZip(List<RawEntry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> offsets = new ArrayList<>();
        for (RawEntry e : entries) {
            offsets.add(out.size());
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0x0800).putShort((short) e.method())
                    .putShort((short) 0).putShort((short) 0x21) // 1980-01-01 00:00
                    .putInt((int) e.crc()).putInt((int) e.compressedSize()).putInt((int) e.localSize())
                    .putShort((short) name.length).putShort((short) 0);
            out.writeBytes(h.array());
            out.writeBytes(name);
            out.writeBytes(e.data());
        }
        int centralStart = out.size();
        for (int i = 0; i < entries.size(); i++) {
            RawEntry e = entries.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0x0800).putShort((short) e.method())
                    .putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) e.crc()).putInt((int) e.compressedSize()).putInt((int) e.centralSize())
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0) // extra, comment
                    .putShort((short) 0).putShort((short) 0).putInt(0) // disk, internal and external attributes
                    .putInt(offsets.get(i));
            out.writeBytes(h.array());
            out.writeBytes(name);
        }
        int centralSize = out.size() - centralStart;
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                .putShort((short) entries.size()).putInt(centralSize).putInt(centralStart).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    /** What a zip bomb inflates to (MiB): far past what a tiny model needs, and past a 96 MiB heap. */
    public static final int BOMB_MIB = 256;

    /**
     * Raw deflate (as in a zip entry) of {@code mib} MiB of zero bytes, about 1 kB per MiB, in milliseconds:
     * after one sync-flushed MiB, the next sync-flushed MiB only copies zeros from the window, so its
     * bytes can be repeated; a final empty block ends the stream. (Deflating 256 MiB takes seconds.)
     */
    public static byte[] deflatedZeros(int mib) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
        byte[] zeros = new byte[1 << 20];
        byte[] first = deflate(d, zeros, false);
        byte[] next = deflate(d, zeros, false);
        byte[] last = deflate(d, new byte[0], true);
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(first);
        for (int i = 1; i < mib; i++) out.writeBytes(next);
        out.writeBytes(last);
        return out.toByteArray();
    }

    private static byte[] deflate(java.util.zip.Deflater d, byte[] input, boolean finish) {
        d.setInput(input);
        if (finish) d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (true) {
            int n = d.deflate(buf, 0, buf.length, java.util.zip.Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
            if (finish ? d.finished() : n < buf.length) return out.toByteArray();
        }
    }

    /**
     * A valid model whose weights entry is {@code inflatedMib} MiB of zero bytes, deflated, while the local header
     * declares {@code localSize} and the central directory {@code centralSize} uncompressed bytes (with the
     * CRC of the real weights, so only the size can give it away).
     */
    public static Mutation bomb(int inflatedMib, long localSize, java.util.function.LongUnaryOperator centralSize) {
        return (valid, out) -> {
            Map<String, byte[]> e = entries(valid);
            byte[] weights = e.get(ModelFile.WEIGHTS);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(weights);
            byte[] deflated = deflatedZeros(inflatedMib);
            Files.write(out, rawZip(List.of(RawEntry.stored(ModelFile.CONFIG, e.get(ModelFile.CONFIG)),
                    RawEntry.stored(ModelFile.VOCAB, e.get(ModelFile.VOCAB)),
                    new RawEntry(ModelFile.WEIGHTS, ZipEntry.DEFLATED, crc.getValue(), deflated.length, localSize,
                            centralSize.applyAsLong(weights.length), deflated))));
        };
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
        // A few MB declared, BOMB_MIB inside: refused on its declared size, before a byte is inflated.
        h.add(new Hostile("zip bomb", bomb(BOMB_MIB, 4L << 20, w -> 4L << 20),
                "declares 4194304 bytes uncompressed, more than the architecture in config.json allows"));
        // The central directory declares the real weights' size (the local header the truth): the read must
        // stop one byte past the declared size.
        h.add(new Hostile("zip bomb with the right declared size", bomb(BOMB_MIB, (long) BOMB_MIB << 20, w -> w),
                "but inflates to more"));
        h.add(new Hostile("config bomb", entries(e -> e.put(ModelFile.CONFIG, new byte[(int) ModelFile.MAX_CONFIG_BYTES + 1])),
                "over the limit of 1048576"));
        h.add(new Hostile("wrong format version", configEdit(c -> c.put("format_version", 3)), "format_version 3 is newer than this jrnn reads (2); HINT"));
        h.add(new Hostile("version 2 without task", configEdit(c -> c.put("format_version", 2)), "format_version 2 is a language model's or a tagger's, but config.json has no"));
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
        h.add(new Hostile("huge architecture", configEdit(c -> ((ObjectNode) c.get("architecture")).put("embedding_dim", 100_000_000)),
                "parameters, more than a model file holds"));
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
