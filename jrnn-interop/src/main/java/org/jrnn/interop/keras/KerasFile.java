// The bytes of a Keras model file, read with bounds: a Keras 3 .keras zip (config.json, metadata.json,
// model.weights.h5, assets/) or a Keras 2 / tf.keras .h5 (HDF5, config in the root attribute model_config).
// It hands out the config JSON, stored vocabularies and weight datasets; it knows nothing of layer types
// (KerasImport's business). Every size is checked before anything of that size is allocated.
package org.jrnn.interop.keras;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.FloatingPoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.jrnn.io.ModelFile;

/** An opened Keras file. Order of use: {@link #open}, then {@link #config}, the weights, {@link #close}. */
final class KerasFile implements AutoCloseable {
    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";
    static final long MAX_CONFIG_BYTES = 8L << 20;
    static final long MAX_METADATA_BYTES = 64L << 10;
    static final long MAX_VOCAB_BYTES = 64L << 20;
    /** Weights of at most 1 GiB, as a .jrnn file holds (org.jrnn.io.ModelFile). */
    static final long MAX_WEIGHTS_BYTES = 1L << 30;
    static final int MAX_ENTRIES = 4096;
    /** Attribute lists (layer_names, weight_names) and strings (model_config) read from HDF5. */
    static final long MAX_ATTRIBUTE_BYTES = 8L << 20;

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20)
                    .maxNumberLength(64).build())
            .build());

    final String where;
    /** "keras" (Keras 3 zip) or "h5" (Keras 2 / tf.keras HDF5). */
    final String format;
    /** The model's serialized config: {"class_name": "Sequential", "config": {...}}. */
    final JsonNode config;
    /** Stored vocabularies, by asset folder (.keras only): "layers/text_vectorization" → file text. */
    final Map<String, String> vocabularies;
    final long weightsBytes;
    private final HdfFile hdf;

    private KerasFile(String where, String format, JsonNode config, Map<String, String> vocabularies, HdfFile hdf, long weightsBytes) {
        this.where = where;
        this.format = format;
        this.config = config;
        this.vocabularies = vocabularies;
        this.weightsBytes = weightsBytes;
        this.hdf = hdf;
    }

    /**
     * Opens {@code file}, telling the two formats apart by their first bytes.
     *
     * @throws KerasFormatException naming the file for anything wrong with it
     * @throws IOException for failures of the disk itself
     */
    static KerasFile open(Path file) throws IOException {
        String where = file.toString();
        if (Files.isDirectory(file)) {
            throw new KerasFormatException(where, "is a directory; a Keras 3 SavedModel folder is not supported, save with model.save(\"model.keras\")");
        }
        if (!Files.exists(file)) throw new KerasFormatException(where, "file not found");
        if (!Files.isReadable(file)) throw new KerasFormatException(where, "permission denied");
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(8);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return openKeras(file, where);
        if (Arrays.equals(head, HDF5_SIGNATURE)) return openH5(file, where);
        throw new KerasFormatException(where, "neither a Keras 3 .keras file (zip) nor a Keras 2 .h5 file (HDF5)");
    }

    private static KerasFile openKeras(Path file, String where) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile(), StandardCharsets.UTF_8);
        } catch (ZipException | IllegalArgumentException e) {
            throw new KerasFormatException(where, "not a valid zip archive (" + e.getMessage() + "): the file is truncated or corrupted", e);
        }
        try (zip) {
            Map<String, ZipEntry> entries = new LinkedHashMap<>();
            int n = 0;
            try {
                for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
                    ZipEntry e = it.nextElement();
                    if (++n > MAX_ENTRIES) throw new KerasFormatException(where, "more than " + MAX_ENTRIES + " zip entries");
                    if (ModelFile.unsafeEntryName(e.getName())) throw new KerasFormatException(where, "unsafe zip entry name '" + ModelFile.printableName(e.getName()) + "'");
                    if (entries.put(e.getName(), e) != null) throw new KerasFormatException(where, "duplicate zip entry '" + ModelFile.printableName(e.getName()) + "'");
                }
            } catch (IllegalArgumentException e) {
                throw new KerasFormatException(where, "unreadable zip directory (" + e.getMessage() + ")", e);
            }
            if (entries.containsKey("model.weights.npz")) {
                throw new KerasFormatException(where, "weights saved as model.weights.npz; jrnn reads the default " + WEIGHTS);
            }
            for (String required : List.of(CONFIG, METADATA, WEIGHTS)) {
                if (!entries.containsKey(required)) {
                    throw new KerasFormatException(where, "missing " + required + " (a .keras file holds " + CONFIG + ", " + METADATA + ", " + WEIGHTS + ")");
                }
            }
            JsonNode metadata = parseJson(new String(readEntry(zip, entries.get(METADATA), MAX_METADATA_BYTES, where), StandardCharsets.UTF_8),
                    where, METADATA);
            if (!metadata.path("keras_version").isTextual()) throw new KerasFormatException(where, METADATA + ": no \"keras_version\"");
            JsonNode config = parseJson(new String(readEntry(zip, entries.get(CONFIG), MAX_CONFIG_BYTES, where), StandardCharsets.UTF_8),
                    where, CONFIG);
            Map<String, String> vocabularies = new LinkedHashMap<>();
            for (Map.Entry<String, ZipEntry> e : entries.entrySet()) {
                String name = e.getKey();
                if (name.startsWith("assets/") && name.endsWith("/vocabulary.txt")) {
                    String folder = name.substring("assets/".length(), name.length() - "/vocabulary.txt".length());
                    vocabularies.put(folder, utf8(readEntry(zip, e.getValue(), MAX_VOCAB_BYTES, where), where, name));
                }
            }
            byte[] weights = readEntry(zip, entries.get(WEIGHTS), MAX_WEIGHTS_BYTES, where);
            return new KerasFile(where, "keras", config, vocabularies, openHdf(weights, where), weights.length);
        }
    }

    private static KerasFile openH5(Path file, String where) throws IOException {
        long size = Files.size(file);
        if (size > MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES) {
            throw new KerasFormatException(where, size + " bytes, over the limit of " + (MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES));
        }
        byte[] bytes = Files.readAllBytes(file);
        HdfFile hdf = openHdf(bytes, where);
        KerasFile k = new KerasFile(where, "h5", null, Map.of(), hdf, bytes.length);
        try {
            Attribute a = k.guarded(() -> hdf.getAttribute("model_config"));
            if (a == null) {
                throw new KerasFormatException(where, "no model_config attribute: a weights-only .h5 (save_weights) has no architecture; "
                        + "save the whole model with model.save(\"model.h5\") or model.save(\"model.keras\")");
            }
            String json = k.stringAttribute(a, "model_config");
            return new KerasFile(where, "h5", parseJson(json, where, "model_config"), Map.of(), hdf, bytes.length);
        } catch (RuntimeException e) {
            hdf.close();
            throw e;
        }
    }

    private static HdfFile openHdf(byte[] bytes, String where) {
        try {
            return HdfFile.fromBytes(bytes);
        } catch (RuntimeException e) {
            throw new KerasFormatException(where, "unreadable HDF5 weights (" + oneLine(e) + ")", e);
        }
    }

    private static JsonNode parseJson(String json, String where, String what) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) throw new KerasFormatException(where, what + ": expected a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new KerasFormatException(where, what + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static String oneLine(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    // ---------------------------------------------------------------- HDF5

    /** A float32 weight tensor: where it is (for messages) and its dataset. */
    record Tensor(String path, Dataset dataset) {}

    /** The layer groups under "layers" of a Keras 3 weights file (to refuse weights that no layer claims). */
    List<String> kerasLayerGroups() {
        return guarded(() -> {
            Node layers = hdf.getChild("layers");
            if (layers == null) return List.of();
            if (!(layers instanceof Group g)) throw new KerasFormatException(where, WEIGHTS + ": 'layers' is not a group");
            return new ArrayList<>(g.getChildren().keySet());
        });
    }

    /** Keras 3: the datasets "0", "1", ... of {@code group}/vars, exactly {@code count} of them. */
    List<Tensor> kerasVars(String group, int count) {
        return guarded(() -> {
            String path = group + "/vars";
            Node n = node(hdf, path);
            if (count == 0 && n == null) return List.of();
            if (!(n instanceof Group g)) throw new KerasFormatException(where, WEIGHTS + ": missing group " + path);
            Map<String, Node> children = g.getChildren();
            if (children.size() != count) {
                throw new KerasFormatException(where, WEIGHTS + ": " + path + " holds " + children.size() + " variables, expected " + count);
            }
            List<Tensor> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Node d = children.get(Integer.toString(i));
                if (!(d instanceof Dataset ds)) throw new KerasFormatException(where, WEIGHTS + ": missing dataset " + path + "/" + i);
                out.add(new Tensor(path + "/" + i, ds));
            }
            return out;
        });
    }

    /** Keras 2 .h5: the layer names of model_weights' layer_names attribute. */
    List<String> h5LayerNames() {
        return guarded(() -> {
            if (!(hdf.getChild("model_weights") instanceof Group g)) throw new KerasFormatException(where, "no model_weights group");
            return stringList(g, "layer_names");
        });
    }

    /** Keras 2 .h5: the datasets of model_weights/{@code layer} in its weight_names order, exactly {@code count}. */
    List<Tensor> h5Weights(String layer, int count) {
        return guarded(() -> {
            String path = "model_weights/" + layer;
            if (!(node(hdf, path) instanceof Group g)) throw new KerasFormatException(where, "missing group " + path);
            List<String> names = stringList(g, "weight_names");
            if (names.size() != count) {
                throw new KerasFormatException(where, path + " lists " + names.size() + " weights, expected " + count + " " + names);
            }
            List<Tensor> out = new ArrayList<>();
            for (String name : names) {
                if (!(node(g, name) instanceof Dataset ds)) throw new KerasFormatException(where, "missing dataset " + path + "/" + name);
                out.add(new Tensor(path + "/" + name, ds));
            }
            return out;
        });
    }

    /**
     * The tensor's data, after checking that it is float32 of exactly {@code shape} (which the caller
     * derived from the config): nothing of a size the file declares is allocated before that check.
     */
    float[] read(Tensor t, int... shape) {
        return guarded(() -> {
            Dataset ds = t.dataset();
            String at = (format.equals("keras") ? WEIGHTS + ": " : "") + t.path();
            if (ds.isCompound() || ds.isVariableLength() || !(ds.getDataType() instanceof FloatingPoint fp) || fp.getSize() != 4) {
                throw new KerasFormatException(where, at + ": expected float32 data, found " + ds.getDataType().getClass().getSimpleName()
                        + " of " + ds.getDataType().getSize() + " bytes");
            }
            int[] dims = ds.getDimensions();
            if (!Arrays.equals(dims, shape)) {
                throw new KerasFormatException(where, at + ": shape " + Arrays.toString(dims) + ", but the config implies " + Arrays.toString(shape));
            }
            Object data = ds.getDataFlat();
            if (!(data instanceof float[] f) || f.length != ds.getSize()) {
                throw new KerasFormatException(where, at + ": unreadable float32 data");
            }
            return f;
        });
    }

    /** The node at {@code path} under {@code g}, or null when there is none. */
    private static Node node(Group g, String path) {
        try {
            return g.getByPath(path);
        } catch (io.jhdf.exceptions.HdfInvalidPathException e) {
            return null;
        }
    }

    private List<String> stringList(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a == null) throw new KerasFormatException(where, node.getPath() + ": missing attribute " + name);
        checkAttributeSize(a, name);
        Object data = a.getData();
        if (data instanceof String[] s) return List.of(s);
        if (data instanceof String s) return List.of(s);
        if (a.isEmpty()) return List.of();
        throw new KerasFormatException(where, node.getPath() + ": attribute " + name + " is not a list of strings");
    }

    private String stringAttribute(Attribute a, String name) {
        return guarded(() -> {
            checkAttributeSize(a, name);
            if (!(a.getData() instanceof String s)) throw new KerasFormatException(where, "attribute " + name + " is not a string");
            return s;
        });
    }

    private void checkAttributeSize(Attribute a, String name) {
        if (a.getSizeInBytes() > MAX_ATTRIBUTE_BYTES || a.getSize() > 1_000_000) {
            throw new KerasFormatException(where, "attribute " + name + " declares " + a.getSizeInBytes() + " bytes, over the limit of " + MAX_ATTRIBUTE_BYTES);
        }
    }

    /** jhdf reports a malformed file with unchecked exceptions; they become one-line format errors here. */
    private <T> T guarded(java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (KerasFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KerasFormatException(where, "unreadable HDF5 data (" + oneLine(e) + ")", e);
        }
    }

    @Override
    public void close() {
        hdf.close();
    }

    // ---------------------------------------------------------------- zip (entry names checked by org.jrnn.io.ModelFile's rules)

    private static String utf8(byte[] bytes, String where, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new KerasFormatException(where, name + ": not valid UTF-8", e);
        }
    }

    /** One entry, read with the .jrnn reader's bounds and checks (ModelFile.readEntry), reported as Keras file problems. */
    static byte[] readEntry(ZipFile zip, ZipEntry e, long cap, String where) throws IOException {
        return ModelFile.readEntry(zip, e, cap, where, KerasFormatException::new);
    }
}
