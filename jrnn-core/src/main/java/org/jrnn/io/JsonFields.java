// Typed access to one JSON object of a file's header, shared by the model file (config.json) and training
// checkpoints. Each failure is one line naming the key path ("vectorizer.text", "history[2].loss"); the
// wording and the exception type are the caller's, so each file keeps its own messages. Not a general JSON
// binder: only the few shapes those two headers use.
package org.jrnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Typed access to one JSON object; errors name the key path from the root. For jrnn's own file readers
 * ({@link ModelFile}, {@code train.Checkpoint}), not a public API.
 */
public final class JsonFields {
    private final JsonNode node;
    private final String path;
    private final BiFunction<String, String, RuntimeException> invalid;
    private final Function<String, RuntimeException> missing;

    private JsonFields(JsonNode node, String path, BiFunction<String, String, RuntimeException> invalid,
                       Function<String, RuntimeException> missing) {
        this.node = node;
        this.path = path;
        this.invalid = invalid;
        this.missing = missing;
    }

    /**
     * The root object of a file.
     *
     * @param invalid the file's exception for a key path and what is wrong with its value ("must be a string")
     * @param missing the file's exception for a key path that is absent
     */
    public static JsonFields root(JsonNode node, BiFunction<String, String, RuntimeException> invalid,
                                  Function<String, RuntimeException> missing) {
        return new JsonFields(node, "", invalid, missing);
    }

    public JsonNode node() {
        return node;
    }

    /** The key's path from the root: "vectorizer.text". */
    public String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public RuntimeException fail(String key, String problem) {
        return invalid.apply(qualified(key), problem);
    }

    public RuntimeException missing(String key) {
        return missing.apply(qualified(key));
    }

    /** The value; absent or JSON null is missing. */
    private JsonNode get(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) throw missing(key);
        return v;
    }

    public String text(String key) {
        JsonNode v = get(key);
        if (!v.isTextual()) throw fail(key, "must be a string");
        return v.asText();
    }

    /** A string, or null when absent or JSON null. */
    public String optionalText(String key) {
        return node.hasNonNull(key) ? text(key) : null;
    }

    public long integer(String key, long min, long max) {
        JsonNode v = get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw fail(key, "must be an integer");
        long x = v.asLong();
        if (x < min || x > max) throw fail(key, "is " + x + ", expected " + min + ".." + max);
        return x;
    }

    /** A number; Jackson writes NaN and the infinities as the strings "NaN", "Infinity", "-Infinity" (checkpoints). */
    public double number(String key) {
        JsonNode v = get(key);
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            switch (v.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw fail(key, "must be a number");
    }

    /** A number, or NaN for null/absent: JSON has no NaN, and the model file writes null (config.json). */
    public double numberOrNaN(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return Double.NaN;
        if (!v.isNumber()) throw fail(key, "must be a number or null");
        return v.asDouble();
    }

    public boolean bool(String key) {
        JsonNode v = get(key);
        if (!v.isBoolean()) throw fail(key, "must be true or false");
        return v.asBoolean();
    }

    public JsonNode array(String key) {
        JsonNode v = get(key);
        if (!v.isArray()) throw fail(key, "must be an array");
        return v;
    }

    /** Entry {@code i} of the array {@link #array(String) key}, which must be an object. */
    public JsonFields element(String key, int i) {
        JsonNode v = node.get(key).get(i);
        if (!v.isObject()) throw fail(key + "[" + i + "]", "must be an object");
        return new JsonFields(v, qualified(key + "[" + i + "]"), invalid, missing);
    }

    /** A nested object; only an absent key is missing, JSON null is not an object. */
    public JsonFields object(String key) {
        JsonNode v = node.get(key);
        if (v == null) throw missing(key);
        if (!v.isObject()) throw fail(key, "must be an object");
        return new JsonFields(v, qualified(key), invalid, missing);
    }

    /** An array of strings; only an absent key is missing. */
    public List<String> strings(String key) {
        JsonNode v = node.get(key);
        if (v == null) throw missing(key);
        if (!v.isArray()) throw fail(key, "must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) throw fail(key, "must be an array of strings");
            out.add(s.asText());
        }
        return out;
    }
}
