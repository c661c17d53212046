// The .jrnn model file (docs/FORMAT.md): one zip holding config.json, vocab.txt and weights.safetensors.
// Saving streams through files.AtomicFiles (temp file, force, rename). Loading trusts nothing: it never
// extracts to disk, never runs code, reads each entry with a size cap, checks every name, size, CRC,
// shape, offset and value, and turns each failure into a one-line ModelFormatException naming the file.
// Loading is not lenient on purpose (tribuo serializationValidationTest; llm.c's magic + version check).
package org.jrnn.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.jrnn.data.TextField;
import org.jrnn.files.AtomicFiles;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.text.LmVocabulary;
import org.jrnn.text.TextVectorizer;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;

/**
 * Saves and loads {@link SavedModel}s as {@code .jrnn} files, format {@value #FORMAT} version
 * {@value #FORMAT_VERSION}. Every load failure is a {@link ModelFormatException}.
 */
public final class ModelFile {
    public static final String FORMAT = "jrnn-model";
    public static final int FORMAT_VERSION = 1;
    /**
     * Language models (config.json {@code "task": "lm"}) and taggers ({@code "task": "tag"}) are
     * written as version 2, so a jrnn that predates them says "upgrade" instead of misreading one;
     * classifiers stay version 1, and this jrnn reads both.
     */
    public static final int LM_FORMAT_VERSION = 2;
    /** config.json's {@code task} of a language model. */
    public static final String TASK_LM = "lm";
    public static final String CONFIG = "config.json";
    public static final String VOCAB = "vocab.txt";
    public static final String WEIGHTS = "weights.safetensors";
    /** Keras TextVectorization settings jrnn implements (see TextVectorizer). */
    public static final String STANDARDIZE = "lower_and_strip_punctuation";
    public static final String SPLIT = "whitespace";
    /** A tagger's text settings: tokens as written, raw text split by TextVectorizer.splitWords. */
    public static final String STANDARDIZE_NONE = "none";
    public static final String SPLIT_WORDS = "whitespace_punctuation";

    /** Caps on uncompressed entry sizes: far above real models (bilstm2x64 at 20k tokens is ~13 MB). */
    static final long MAX_CONFIG_BYTES = 1L << 20;
    static final long MAX_VOCAB_BYTES = 64L << 20;
    static final long MAX_WEIGHTS_BYTES = 1L << 30;
    /**
     * Room for the safetensors header beside the tensor data config.json implies: jrnn's and
     * from_pytorch.py's headers are a few kB (one line per tensor, two metadata strings).
     */
    static final long MAX_WEIGHTS_HEADER_BYTES = 1L << 20;
    private static final List<String> ENTRIES = List.of(CONFIG, VOCAB, WEIGHTS);
    private static final Map<String, Long> CAPS = Map.of(CONFIG, MAX_CONFIG_BYTES, VOCAB, MAX_VOCAB_BYTES, WEIGHTS, MAX_WEIGHTS_BYTES);
    /** DOS time of 1980-01-01: entries carry no wall-clock time, so equal models give equal bytes. */
    private static final long ENTRY_TIME = 315532800000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFile() {}

    // ================================================================ save

    /**
     * Writes {@code m} to {@code file} atomically: a reader sees the old file or the complete new one.
     *
     * @throws IllegalArgumentException if a weight is not finite (such a file could not be loaded)
     */
    public static void save(Path file, SavedModel m) throws IOException {
        write(file, m.model(), JSON.writeValueAsBytes(configJson(m)), m.vectorizer().vocabularyFileBytes(), m.producer());
    }

    private static void write(Path file, Sequential model, byte[] config, byte[] vocab, String producer) throws IOException {
        for (Param p : model.params()) {
            for (float v : p.data) {
                if (!Float.isFinite(v)) throw new IllegalArgumentException("cannot save " + file + ": " + p.name() + " holds " + v);
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt"); // what Hugging Face tools expect of a PyTorch state dict
        meta.put("producer", producer != null ? producer : SavedModel.producerName());
        // The weights are stored, not deflated: float32 weights shrink by ~7 % at best, and inflating them
        // was ~45 ms of a one-shot predict's ~190 ms model load (BENCHMARKS.md "Startup").
        java.io.ByteArrayOutputStream weights = new java.io.ByteArrayOutputStream();
        Safetensors.write(weights, model.stateDict().values(), meta);
        byte[] weightBytes = weights.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(weightBytes);
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
            put(zip, CONFIG, config);
            put(zip, VOCAB, vocab);
            ZipEntry w = entry(WEIGHTS);
            w.setMethod(ZipEntry.STORED);
            w.setSize(weightBytes.length);
            w.setCompressedSize(weightBytes.length);
            w.setCrc(crc.getValue());
            zip.putNextEntry(w);
            zip.write(weightBytes);
            zip.closeEntry();
            zip.finish();
        });
    }

    /** Writes a language model atomically, as {@link #save(Path, SavedModel)}: version 2, {@code "task": "lm"}. */
    public static void save(Path file, SavedLanguageModel m) throws IOException {
        write(file, m.model(), JSON.writeValueAsBytes(lmConfigJson(m)), m.vocabulary().vocabularyFileBytes(), m.producer());
    }

    static ObjectNode lmConfigJson(SavedLanguageModel m) {
        ObjectNode c = JSON.createObjectNode();
        c.put("format", FORMAT);
        c.put("format_version", LM_FORMAT_VERSION);
        c.put("task", TASK_LM);
        if (m.created() != null) c.put("created", m.created());
        if (m.producer() != null) c.put("producer", m.producer());
        c.set("architecture", JSON.valueToTree(m.architecture()));
        ObjectNode t = c.putObject("tokenizer");
        t.put("tokens", m.vocabulary().kind().id());
        t.put("vocab_size", m.vocabulary().size());
        t.put("text", SavedModel.textFieldName(m.textField()));
        if (m.training() != null) c.set("training", trainingJson(m.training()));
        return c;
    }

    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        return e;
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(entry(name));
        zip.write(content);
        zip.closeEntry();
    }

    static ObjectNode configJson(SavedModel m) {
        ObjectNode c = JSON.createObjectNode();
        c.put("format", FORMAT);
        // Only other tasks write "task" (and version 2, see parseConfig): a classifier's file stays the bytes it always was.
        c.put("format_version", m.task() == SavedModel.Task.CLASSIFY ? FORMAT_VERSION : LM_FORMAT_VERSION);
        if (m.task() != SavedModel.Task.CLASSIFY) c.put("task", m.task().fileName);
        if (m.created() != null) c.put("created", m.created());
        if (m.producer() != null) c.put("producer", m.producer());
        c.set("architecture", JSON.valueToTree(m.architecture()));
        ObjectNode v = c.putObject("vectorizer");
        v.put("max_tokens", m.maxTokens());
        v.put("vocab_size", m.vectorizer().size());
        if (m.task() == SavedModel.Task.TAG) {
            v.put("standardize", STANDARDIZE_NONE);
            v.put("split", SPLIT_WORDS);
        } else {
            v.put("text", SavedModel.textFieldName(m.textField()));
            v.put("standardize", STANDARDIZE);
            v.put("split", SPLIT);
        }
        c.put("num_classes", m.classNames().size());
        ArrayNode names = c.putArray("class_names");
        m.classNames().forEach(names::add);
        if (m.training() != null) c.set("training", trainingJson(m.training()));
        return c;
    }

    private static ObjectNode trainingJson(SavedModel.Training t) {
        ObjectNode o = JSON.createObjectNode();
        if (t.preset() != null) o.put("preset", t.preset());
        if (t.data() != null) o.put("data", t.data());
        if (t.epochs() != null) o.put("epochs", t.epochs());
        if (t.seed() != null) o.put("seed", t.seed());
        if (t.batchSize() != null) o.put("batch_size", t.batchSize());
        if (t.learningRate() != null) o.put("learning_rate", t.learningRate());
        if (t.trainRows() != null) o.put("train_rows", t.trainRows());
        if (t.testRows() != null) o.put("test_rows", t.testRows());
        ArrayNode h = o.putArray("history");
        for (EpochMetrics e : t.history()) {
            ObjectNode row = h.addObject();
            row.put("epoch", e.epoch());
            putNumber(row, "loss", e.loss());
            putNumber(row, "accuracy", e.accuracy());
            putNumber(row, "val_loss", e.valLoss());
            putNumber(row, "val_accuracy", e.valAccuracy());
            putNumber(row, "seconds", e.seconds());
            row.put("tokens", e.realTokens());
            row.put("samples", e.samples());
        }
        return o;
    }

    /** JSON has no NaN: an absent figure (no validation data) is written as null. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    // ================================================================ load

    /**
     * Reads and validates a model file; the returned model has the file's weights.
     *
     * @throws ModelFormatException for any problem with the file, naming the file and the problem
     * @throws IOException for failures of the disk itself
     */
    public static SavedModel load(Path file) throws IOException {
        String where = file.toString();
        checkFile(file, where);
        try (ZipFile zip = openZip(file, where)) {
            Map<String, ZipEntry> entries = entries(zip, where);
            Config config = parseConfig(readEntry(zip, entries.get(CONFIG), MAX_CONFIG_BYTES, where), where);
            // The architecture is checked (and the weights entry's declared size capped by it) before
            // the vocabulary and weights are read.
            Map<String, int[]> expected;
            try {
                expected = config.architecture.paramShapes(config.vocabSize, config.numClasses);
            } catch (ArchitectureException e) {
                throw new ModelFormatException(where, CONFIG + ": architecture: " + e.getMessage(), e);
            }
            long weightsCap = weightsCap(expected, where);
            checkDeclaredSize(entries.get(WEIGHTS), weightsCap, "more than the architecture in " + CONFIG + " allows (" + weightsCap
                    + " bytes: 4 per parameter, plus at most " + MAX_WEIGHTS_HEADER_BYTES + " of header)", where);
            TextVectorizer vectorizer = parseVocabulary(readEntry(zip, entries.get(VOCAB), MAX_VOCAB_BYTES, where), where);
            if (vectorizer.size() != config.vocabSize) {
                throw new ModelFormatException(where, VOCAB + " has " + vectorizer.size() + " entries but " + CONFIG
                        + " says vocab_size " + config.vocabSize);
            }
            Sequential model = weights(zip, entries, config.architecture, config.vocabSize, config.numClasses, where);
            try {
                return new SavedModel(config.architecture, vectorizer, config.maxTokens, config.textField, config.classNames,
                        model, config.training, config.created, config.producer, config.task);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where, e.getMessage(), e);
            }
        }
    }

    private static void checkFile(Path file, String where) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFormatException(where, "is a directory, expected a .jrnn model file");
        if (!Files.exists(file)) throw new ModelFormatException(where, "file not found");
        if (!Files.isRegularFile(file)) throw new ModelFormatException(where, "not a regular file, expected a .jrnn model file");
        if (!Files.isReadable(file)) throw new ModelFormatException(where, "permission denied");
        checkZipSignature(file, where);
    }

    /**
     * Whether {@code file} is a language model (config.json {@code "task": "lm"}); reads only config.json.
     *
     * @throws ModelFormatException if the file is not a readable model file
     */
    public static boolean isLanguageModel(Path file) throws IOException {
        String where = file.toString();
        checkFile(file, where);
        try (ZipFile zip = openZip(file, where)) {
            Map<String, ZipEntry> entries = entries(zip, where);
            JsonFields root = versionedConfig(zip, entries, where);
            return TASK_LM.equals(root.optionalText("task"));
        }
    }

    /** config.json as typed fields, its format version checked (for the readers that do not need the whole Config). */
    private static JsonFields versionedConfig(ZipFile zip, Map<String, ZipEntry> entries, String where) throws IOException {
        JsonFields root = config(parseJson(readEntry(zip, entries.get(CONFIG), MAX_CONFIG_BYTES, where), where), where);
        checkVersion(root, where);
        return root;
    }

    private static final Set<String> LM_CONFIG_KEYS = Set.of("format", "format_version", "task", "created", "producer", "architecture",
            "tokenizer", "training");
    private static final Set<String> TOKENIZER_KEYS = Set.of("tokens", "vocab_size", "text");

    /**
     * Reads and validates a language model file (as {@link #load}, every check of it).
     *
     * @throws ModelFormatException for any problem with the file, a classifier's file included
     */
    public static SavedLanguageModel loadLanguageModel(Path file) throws IOException {
        String where = file.toString();
        checkFile(file, where);
        try (ZipFile zip = openZip(file, where)) {
            Map<String, ZipEntry> entries = entries(zip, where);
            JsonFields root = versionedConfig(zip, entries, where);
            String task = root.optionalText("task");
            if (SavedModel.Task.TAG.fileName.equals(task)) {
                throw new ModelFormatException(where, "is a tagger, not a language model: it tags the tokens of a text "
                        + "(jrnn predict), it does not generate text");
            }
            if (!TASK_LM.equals(task)) {
                throw new ModelFormatException(where, "is a classifier, not a language model: it predicts a class per text "
                        + "(jrnn predict), it does not generate text");
            }
            onlyKeys(root, LM_CONFIG_KEYS, where);
            ModelSpec arch = architecture(root, where);
            if (!arch.perStep()) throw root.fail("architecture", "of a language model must end in TimeDistributed(Dense(V))");
            JsonFields tok = root.object("tokenizer");
            onlyKeys(tok, TOKENIZER_KEYS, where);
            LmVocabulary.Tokens kind;
            try {
                kind = LmVocabulary.Tokens.parse(tok.text("tokens"));
            } catch (org.jrnn.errors.InvalidOptionException e) {
                throw tok.fail("tokens", "must be 'char' or 'word'");
            }
            int vocabSize = (int) tok.integer("vocab_size", 5, 50_000_000);
            String textName = tok.text("text");
            TextField field = SavedModel.parseTextField(textName);
            if (field == null) throw tok.fail("text", "must be 'title' or 'title+description', received '" + textName + "'");
            SavedModel.Training training = root.node().has("training") ? parseTraining(root.object("training")) : null;
            LmVocabulary vocab;
            try {
                vocab = LmVocabulary.parse(kind, utf8(readEntry(zip, entries.get(VOCAB), MAX_VOCAB_BYTES, where), where, VOCAB));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where, VOCAB + ": " + e.getMessage(), e);
            }
            if (vocab.size() != vocabSize) {
                throw new ModelFormatException(where, VOCAB + " has " + vocab.size() + " entries but " + CONFIG + " says vocab_size " + vocabSize);
            }
            Sequential model = weights(zip, entries, arch, vocabSize, vocabSize, where);
            try {
                return new SavedLanguageModel(arch, vocab, field, model, training, root.optionalText("created"), root.optionalText("producer"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where, e.getMessage(), e);
            }
        }
    }

    /** Checks weights.safetensors against the architecture and builds the model with its weights. */
    private static Sequential weights(ZipFile zip, Map<String, ZipEntry> entries, ModelSpec arch, int vocabSize, int numClasses,
                                     String where) throws IOException {
        Map<String, int[]> expected;
        try {
            expected = arch.paramShapes(vocabSize, numClasses);
        } catch (ArchitectureException e) {
            throw new ModelFormatException(where, CONFIG + ": architecture: " + e.getMessage(), e);
        }
        long weightsCap = weightsCap(expected, where);
        checkDeclaredSize(entries.get(WEIGHTS), weightsCap, "more than the architecture in " + CONFIG + " allows (" + weightsCap
                + " bytes: 4 per parameter, plus at most " + MAX_WEIGHTS_HEADER_BYTES + " of header)", where);
        byte[] weights = readEntry(zip, entries.get(WEIGHTS), weightsCap, where);
        Safetensors.Problems problems = p -> new ModelFormatException(where, WEIGHTS + ": " + p);
        Safetensors.Header header = Safetensors.parseHeader(weights, problems);
        checkTensors(header.byName(), expected, where);
        Sequential model = arch.buildForWeights(vocabSize, numClasses);
        Map<String, Param> params = model.stateDict();
        for (Safetensors.Entry e : header.tensors()) {
            Safetensors.copy(weights, header, e, params.get(e.name()).data, problems);
        }
        return model;
    }

    private static void checkZipSignature(Path file, String where) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            throw new ModelFormatException(where, "not a jrnn model file: it does not start with a zip signature"
                    + (head.length < 4 ? " (only " + head.length + " bytes)" : ""));
        }
    }

    private static ZipFile openZip(Path file, String where) throws IOException {
        try {
            return new ZipFile(file.toFile(), StandardCharsets.UTF_8);
        } catch (ZipException | IllegalArgumentException e) {
            throw new ModelFormatException(where, "not a valid zip archive (" + e.getMessage() + "): the file is truncated or corrupted", e);
        }
    }

    /** Checks the central directory: safe names, no duplicates, exactly the three entries, declared sizes under the caps. */
    private static Map<String, ZipEntry> entries(ZipFile zip, String where) {
        Map<String, ZipEntry> found = new LinkedHashMap<>();
        int n = 0;
        try {
            for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
                ZipEntry e = it.nextElement();
                if (++n > 64) throw new ModelFormatException(where, "too many zip entries (a model has " + ENTRIES.size() + ")");
                String name = e.getName();
                if (unsafeEntryName(name)) {
                    throw new ModelFormatException(where, "unsafe entry name '" + printableName(name)
                            + "' (absolute path, '..' or backslash); refusing the file");
                }
                if (found.containsKey(name)) throw new ModelFormatException(where, "duplicate entry '" + printableName(name) + "'");
                if (!ENTRIES.contains(name)) {
                    throw new ModelFormatException(where, "unexpected entry '" + printableName(name) + "' (a model holds exactly "
                            + String.join(", ", ENTRIES) + ")");
                }
                checkDeclaredSize(e, CAPS.get(name), "over the limit of " + CAPS.get(name), where);
                found.put(name, e);
            }
        } catch (IllegalArgumentException e) { // the JDK's zip code rejecting a malformed entry name
            throw new ModelFormatException(where, "unreadable zip directory (" + e.getMessage() + ")", e);
        }
        for (String required : ENTRIES) {
            if (!found.containsKey(required)) {
                throw new ModelFormatException(where, "missing entry " + required + " (a model holds " + String.join(", ", ENTRIES) + ")");
            }
        }
        return found;
    }

    /**
     * Whether a zip entry name could escape a folder or hide what it is (absolute, drive or
     * backslash paths, "." or ".." parts, NUL). Shared with the Keras importer's zip reading.
     */
    public static boolean unsafeEntryName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf(':') >= 0 || name.indexOf('\0') >= 0) {
            return true;
        }
        for (String part : name.split("/", -1)) {
            if (part.equals("..") || part.equals(".")) return true;
        }
        return false;
    }

    /** A name from a file, safe to put in a one-line message: control characters escaped, cut at ~80. */
    public static String printableName(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
            if (sb.length() > 80) return sb.append("...").toString();
        }
        return sb.toString();
    }

    /**
     * The largest weights.safetensors the architecture allows: 8 bytes of header length, a header of
     * at most {@link #MAX_WEIGHTS_HEADER_BYTES}, and 4 bytes per parameter; never over {@link #MAX_WEIGHTS_BYTES}.
     */
    static long weightsCap(Map<String, int[]> shapes, String where) {
        long params = 0;
        try {
            for (int[] shape : shapes.values()) {
                long n = 1;
                for (int d : shape) n = Math.multiplyExact(n, (long) d);
                params = Math.addExact(params, n);
            }
        } catch (ArithmeticException e) {
            params = Long.MAX_VALUE;
        }
        long dataCap = MAX_WEIGHTS_BYTES - 8 - MAX_WEIGHTS_HEADER_BYTES;
        if (params > dataCap / Float.BYTES) {
            throw new ModelFormatException(where, CONFIG + ": the architecture has " + (params == Long.MAX_VALUE ? "too many" : params)
                    + " parameters, more than a model file holds (" + WEIGHTS + " is limited to " + MAX_WEIGHTS_BYTES + " bytes)");
        }
        return 8 + MAX_WEIGHTS_HEADER_BYTES + params * Float.BYTES;
    }

    /** Refuses an entry whose central-directory size is unknown or over {@code cap}, before reading it. */
    private static void checkDeclaredSize(ZipEntry e, long cap, String overWhat, String where) {
        checkDeclaredSize(e, cap, overWhat, where, MODEL_FILE);
    }

    private static void checkDeclaredSize(ZipEntry e, long cap, String overWhat, String where, BadFile bad) {
        long declared = e.getSize();
        if (declared < 0) {
            // java.util.zip.ZipFile takes sizes from the central directory, which always has one; refuse
            // rather than read an entry of unknown size.
            throw bad.at(where, "entry " + e.getName() + " declares no uncompressed size: the file is corrupted", null);
        }
        if (declared > cap) {
            throw bad.at(where, "entry " + e.getName() + " declares " + declared + " bytes uncompressed, " + overWhat, null);
        }
    }

    /**
     * Reads one entry into memory, inflating at most the size the central directory declares (itself
     * at most {@code cap}) + 1 byte, whatever the local header or the compressed data claim; a
     * difference between declared and actual size, or a wrong CRC-32, is reported as corruption. The
     * buffer starts at twice the compressed size and grows only as inflated bytes arrive, so a declared
     * size that lies costs no memory, while honest weights (which barely compress) land in one array
     * of their exact size.
     */
    static byte[] readEntry(ZipFile zip, ZipEntry e, long cap, String where) throws IOException {
        return readEntry(zip, e, cap, where, MODEL_FILE);
    }

    /** A format's own exception for a problem with a file ({@code cause} may be null). */
    @FunctionalInterface
    public interface BadFile {
        RuntimeException at(String where, String problem, Throwable cause);
    }

    private static final BadFile MODEL_FILE = ModelFormatException::new;

    /**
     * {@link #readEntry(ZipFile, ZipEntry, long, String)} for other zip-based formats (Keras' {@code .keras}):
     * the same bounds and checks, each problem reported through {@code bad}.
     */
    public static byte[] readEntry(ZipFile zip, ZipEntry e, long cap, String where, BadFile bad) throws IOException {
        String name = e.getName();
        checkDeclaredSize(e, cap, "over the limit of " + cap, where, bad);
        int declared = (int) e.getSize(); // every cap fits in an int
        long compressed = Math.max(e.getCompressedSize(), 0);
        byte[] bytes = new byte[(int) Math.min(declared, Math.max(1 << 16, 2 * compressed))];
        int n = 0;
        boolean more = false;
        try (InputStream in = zip.getInputStream(e)) {
            while (true) {
                int r = in.readNBytes(bytes, n, bytes.length - n);
                n += r;
                if (n < bytes.length) break; // end of the entry
                if (n == declared) {
                    more = in.read() >= 0;
                    break;
                }
                bytes = Arrays.copyOf(bytes, (int) Math.min(declared, 2L * bytes.length));
            }
        } catch (ZipException | java.io.EOFException | IllegalArgumentException ex) {
            throw bad.at(where, "entry " + name + " is corrupted (" + ex.getMessage() + ")", ex);
        }
        if (more) {
            throw bad.at(where, "entry " + name + " declares " + declared + " bytes uncompressed but inflates to more: "
                    + "the file is corrupted", null);
        }
        if (n != declared) {
            throw bad.at(where, "entry " + name + " holds " + n + " bytes but declares " + declared + ": the file is corrupted", null);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (crc.getValue() != e.getCrc()) {
            throw bad.at(where, "entry " + name + " fails its CRC check: the file is corrupted", null);
        }
        return bytes;
    }

    // ---------------------------------------------------------------- config.json

    private record Config(ModelSpec architecture, int maxTokens, int vocabSize, TextField textField, int numClasses,
                          List<String> classNames, SavedModel.Training training, String created, String producer,
                          SavedModel.Task task) {}

    private static final Set<String> CONFIG_KEYS = Set.of("format", "format_version", "created", "producer", "task", "architecture",
            "vectorizer", "num_classes", "class_names", "training");
    private static final Set<String> VECTORIZER_KEYS = Set.of("max_tokens", "vocab_size", "text", "standardize", "split");

    private static Config parseConfig(byte[] bytes, String where) {
        JsonFields root = config(parseJson(bytes, where), where);
        long version = checkVersion(root, where);
        String taskName = root.optionalText("task");
        if (TASK_LM.equals(taskName)) {
            throw new ModelFormatException(where, "is a language model (task \"lm\"), not a classifier: it generates text "
                    + "(jrnn generate) and is scored on texts (jrnn evaluate), it does not predict classes");
        }
        SavedModel.Task task = taskName == null ? SavedModel.Task.CLASSIFY : SavedModel.Task.parse(taskName);
        if (task == null) throw root.fail("task", "'" + taskName + "' is not a task this jrnn knows (classify, tag, lm); HINT: upgrade jrnn");
        // Version 2 is the version of files with a task other than classify (language models, taggers), so a
        // jrnn that predates them says "upgrade" instead of "unexpected key"; classifiers stay version 1.
        if (task == SavedModel.Task.CLASSIFY && version != FORMAT_VERSION) {
            throw new ModelFormatException(where, "format_version " + version + " is a language model's or a tagger's, but " + CONFIG
                    + " has no \"task\": \"lm\" or \"tag\"");
        }
        if (task != SavedModel.Task.CLASSIFY && version != LM_FORMAT_VERSION) {
            throw new ModelFormatException(where, "task '" + taskName + "' needs format_version " + LM_FORMAT_VERSION + ", " + CONFIG
                    + " says " + version);
        }
        onlyKeys(root, CONFIG_KEYS, where);
        String created = root.optionalText("created");
        String producer = root.optionalText("producer");
        ModelSpec arch = architecture(root, where);
        JsonFields vec = root.object("vectorizer");
        onlyKeys(vec, VECTORIZER_KEYS, where);
        int maxTokens = (int) vec.integer("max_tokens", 2, Integer.MAX_VALUE);
        int vocabSize = (int) vec.integer("vocab_size", 2, maxTokens);
        TextField field;
        String standardize = vec.text("standardize");
        String split = vec.text("split");
        if (task == SavedModel.Task.TAG) {
            // A tagger reads tokens, not AG News fields: no "text"; tokens are looked up as written.
            if (vec.node().has("text")) throw vec.fail("text", "does not apply to a tagger (task 'tag' reads tokens)");
            field = TextField.TITLE;
            if (!STANDARDIZE_NONE.equals(standardize)) {
                throw vec.fail("standardize", "'" + standardize + "' is not supported for a tagger (jrnn implements '" + STANDARDIZE_NONE + "')");
            }
            if (!SPLIT_WORDS.equals(split)) {
                throw vec.fail("split", "'" + split + "' is not supported for a tagger (jrnn implements '" + SPLIT_WORDS + "')");
            }
            if (!arch.perStep()) throw root.fail("task", "'tag' needs an architecture ending in TimeDistributed (one output per token)");
        } else {
            String textName = vec.text("text");
            field = SavedModel.parseTextField(textName);
            if (field == null) throw vec.fail("text", "must be 'title' or 'title+description', received '" + textName + "'");
            if (!STANDARDIZE.equals(standardize)) {
                throw vec.fail("standardize", "'" + standardize + "' is not supported (jrnn implements '" + STANDARDIZE + "')");
            }
            if (!SPLIT.equals(split)) throw vec.fail("split", "'" + split + "' is not supported (jrnn implements '" + SPLIT + "')");
        }
        // 1 for an imported single-unit sigmoid or linear head; the architecture refuses it for softmax.
        int numClasses = (int) root.integer("num_classes", 1, 1_000_000);
        List<String> classNames = root.strings("class_names");
        if (classNames.size() != numClasses) {
            throw root.fail("class_names", "lists " + classNames.size() + " names but num_classes is " + numClasses);
        }
        if (new HashSet<>(classNames).size() != classNames.size() || classNames.contains("")) {
            throw root.fail("class_names", "must be distinct and non-empty");
        }
        SavedModel.Training training = root.node().has("training") ? parseTraining(root.object("training")) : null;
        return new Config(arch, maxTokens, vocabSize, field, numClasses, classNames, training, created, producer, task);
    }

    /**
     * Format and version first, so a newer file gets the upgrade hint, not a complaint about a new key.
     * Returns the version: {@link #FORMAT_VERSION} or {@link #LM_FORMAT_VERSION}.
     */
    private static long checkVersion(JsonFields root, String where) {
        String format = root.text("format");
        if (!FORMAT.equals(format)) {
            throw new ModelFormatException(where, "not a jrnn model: " + CONFIG + " says format '" + format + "', expected '" + FORMAT + "'");
        }
        long version = root.integer("format_version", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (version > LM_FORMAT_VERSION) {
            throw new ModelFormatException(where, "format_version " + version + " is newer than this jrnn reads (" + LM_FORMAT_VERSION
                    + "); HINT: upgrade jrnn, or re-export the model with jrnn " + org.jrnn.Version.get());
        }
        if (version != FORMAT_VERSION && version != LM_FORMAT_VERSION) {
            throw new ModelFormatException(where, "format_version " + version + " is not a version of " + FORMAT + " (expected "
                    + FORMAT_VERSION + " or " + LM_FORMAT_VERSION + ")");
        }
        return version;
    }

    private static ModelSpec architecture(JsonFields root, String where) {
        JsonNode archNode = root.object("architecture").node();
        ModelSpec arch;
        try {
            arch = JSON.treeToValue(archNode, ModelSpec.class);
        } catch (JsonProcessingException | ArchitectureException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new ModelFormatException(where, CONFIG + ": architecture: " + msg, e);
        }
        if (arch == null) throw new ModelFormatException(where, CONFIG + ": architecture must be an object");
        return arch;
    }

    /** Training facts are informational: unknown keys are ignored, known ones must have the right type. */
    private static SavedModel.Training parseTraining(JsonFields t) {
        List<EpochMetrics> history = new ArrayList<>();
        if (t.node().hasNonNull("history")) {
            JsonNode h = t.array("history");
            for (int i = 0; i < h.size(); i++) {
                JsonFields e = t.element("history", i);
                history.add(new EpochMetrics((int) e.integer("epoch", 0, Integer.MAX_VALUE), e.numberOrNaN("loss"),
                        e.numberOrNaN("accuracy"), e.numberOrNaN("val_loss"), e.numberOrNaN("val_accuracy"), e.numberOrNaN("seconds"),
                        e.node().hasNonNull("tokens") ? e.integer("tokens", 0, Long.MAX_VALUE) : 0,
                        e.node().hasNonNull("samples") ? e.integer("samples", 0, Long.MAX_VALUE) : 0));
            }
        }
        return new SavedModel.Training(t.optionalText("preset"), t.optionalText("data"),
                t.node().has("epochs") ? (int) t.integer("epochs", 0, Integer.MAX_VALUE) : null,
                t.node().has("seed") ? t.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE) : null,
                t.node().has("batch_size") ? (int) t.integer("batch_size", 1, Integer.MAX_VALUE) : null,
                t.node().has("learning_rate") ? t.numberOrNaN("learning_rate") : null,
                t.node().has("train_rows") ? (int) t.integer("train_rows", 0, Integer.MAX_VALUE) : null,
                t.node().has("test_rows") ? (int) t.integer("test_rows", 0, Integer.MAX_VALUE) : null,
                history);
    }

    private static JsonNode parseJson(byte[] bytes, String where) {
        String text = utf8(bytes, where, CONFIG);
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) throw new ModelFormatException(where, CONFIG + " is not a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ModelFormatException(where, CONFIG + (loc != null ? ":" + loc.getLineNr() : "") + ": invalid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
    }

    /** config.json's root; errors name the key path ("vectorizer.text"). */
    private static JsonFields config(JsonNode root, String where) {
        return JsonFields.root(root, (path, problem) -> new ModelFormatException(where, CONFIG + ": " + path + " " + problem),
                path -> new ModelFormatException(where, CONFIG + ": missing \"" + path + "\""));
    }

    /** Refuses a key of {@code f} outside {@code allowed}: a newer jrnn's file, or a typo. */
    private static void onlyKeys(JsonFields f, Set<String> allowed, String where) {
        for (Iterator<String> it = f.node().fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) throw new ModelFormatException(where, CONFIG + ": unexpected key '" + printableName(f.qualified(k)) + "'");
        }
    }

    // ---------------------------------------------------------------- vocab.txt

    private static TextVectorizer parseVocabulary(byte[] bytes, String where) {
        String content = utf8(bytes, where, VOCAB);
        try {
            return TextVectorizer.parseVocabularyFile(content);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where, VOCAB + ": " + e.getMessage(), e);
        }
    }

    private static String utf8(byte[] bytes, String where, String entry) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(where, entry + " is not valid UTF-8");
        }
    }

    // ---------------------------------------------------------------- tensors

    private static void checkTensors(Map<String, Safetensors.Entry> found, Map<String, int[]> expected, String where) {
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Safetensors.Entry t = found.get(e.getKey());
            if (t == null) {
                throw new ModelFormatException(where, WEIGHTS + ": missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue())
                        + " (the architecture in " + CONFIG + " needs " + String.join(", ", expected.keySet()) + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new ModelFormatException(where, WEIGHTS + ": tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + " but the architecture in " + CONFIG + " needs " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : found.keySet()) {
            if (!expected.containsKey(name)) {
                throw new ModelFormatException(where, WEIGHTS + ": unexpected tensor " + printableName(name) + " (the architecture in "
                        + CONFIG + " needs " + String.join(", ", expected.keySet()) + ")");
            }
        }
    }
}
