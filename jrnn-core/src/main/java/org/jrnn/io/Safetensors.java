// The safetensors layout (huggingface/safetensors README, "Format"), F32 only, written and read by hand:
// 8-byte little-endian header length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets"}, ...,
// "__metadata__": {str: str}}, padded with spaces to a multiple of 8, then the raw little-endian data.
// Not a general reader: other dtypes are refused, and the whole file is expected in memory (the caller
// reads it with a size cap). Nothing here trusts the file: every offset and size is checked before use.
package org.jrnn.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.nn.Param;

/** Reads and writes F32 tensors in the safetensors layout. */
final class Safetensors {
    /** Largest header accepted; real headers of jrnn models are a few kB. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA = "__metadata__";
    static final String DTYPE = "F32";

    private Safetensors() {}

    /** One tensor of a parsed header; offsets are relative to the data section. */
    record Entry(String name, int[] shape, long begin, long end) {
        long count() {
            return (end - begin) / Float.BYTES;
        }
    }

    /** A validated header: tensors sorted by offset, metadata, and where the data section starts. */
    record Header(List<Entry> tensors, Map<String, String> metadata, int dataStart) {
        Map<String, Entry> byName() {
            Map<String, Entry> m = new LinkedHashMap<>();
            for (Entry e : tensors) m.put(e.name, e);
            return m;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    // ---------------------------------------------------------------- writing

    /** Writes the tensors in the given order, contiguous from offset 0, with string metadata. */
    static void write(OutputStream out, Collection<Param> params, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Param p : params) {
            ObjectNode t = header.putObject(p.name());
            t.put("dtype", DTYPE);
            ArrayNode shape = t.putArray("shape");
            for (int s : p.shape()) shape.add(s);
            long end = offset + (long) p.size() * Float.BYTES;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7; // 8-byte alignment of the data, as the reference writer does
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(head);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Param p : params) {
            float[] d = p.data;
            for (int i = 0; i < d.length; i++) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(d[i]);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    // ---------------------------------------------------------------- reading

    /**
     * Parses and validates the header of a whole safetensors file: header length bounded, JSON
     * well formed, every tensor F32 with a shape matching its byte range, ranges inside the data
     * section, contiguous from 0, non-overlapping and covering the data section exactly.
     */
    static Header parseHeader(byte[] file, Problems problems) {
        if (file.length < 8) throw problems.fail("only " + file.length + " bytes, too short for a safetensors header");
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw problems.fail("header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > file.length - 8L) {
            throw problems.fail("header length " + n + " runs past the end of the file (" + file.length + " bytes): truncated or corrupted");
        }
        if (n < 2 || file[8] != '{') throw problems.fail("the header is not a JSON object");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(file, 8, (int) n)).toString();
        } catch (CharacterCodingException e) {
            throw problems.fail("the header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw problems.fail("the header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw problems.fail("the header is not a JSON object");
        int dataStart = 8 + (int) n;
        long dataBytes = file.length - (long) dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> tensors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA)) {
                readMetadata(f.getValue(), metadata, problems);
            } else {
                tensors.add(readEntry(f.getKey(), f.getValue(), dataBytes, problems));
            }
        }
        tensors.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : tensors) {
            if (e.begin > expected) {
                throw problems.fail("tensor " + e.name + " starts at byte " + e.begin + ", leaving a hole after byte " + expected
                        + " (data_offsets must be contiguous)");
            }
            if (e.begin < expected) {
                throw problems.fail("tensor " + e.name + " data_offsets [" + e.begin + ", " + e.end + "] overlap the previous tensor, which ends at " + expected);
            }
            expected = e.end;
        }
        if (expected != dataBytes) {
            throw problems.fail("the tensors cover " + expected + " bytes but the data section holds " + dataBytes + " bytes");
        }
        return new Header(List.copyOf(tensors), Map.copyOf(metadata), dataStart);
    }

    private static void readMetadata(JsonNode node, Map<String, String> into, Problems problems) {
        if (!node.isObject()) throw problems.fail(METADATA + " must be an object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) throw problems.fail(METADATA + "." + m.getKey() + " must be a string");
            into.put(m.getKey(), m.getValue().asText());
        }
    }

    private static Entry readEntry(String name, JsonNode node, long dataBytes, Problems problems) {
        String what = "tensor " + name;
        if (name.isEmpty()) throw problems.fail("a tensor has an empty name");
        if (!node.isObject()) throw problems.fail(what + ": expected an object with dtype, shape, data_offsets");
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw problems.fail(what + ": unexpected key '" + k + "'");
            }
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) throw problems.fail(what + ": missing dtype");
        if (!DTYPE.equals(dtype.asText())) {
            throw problems.fail(what + " has dtype " + dtype.asText() + "; jrnn reads F32 only (convert with tensor.float())");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw problems.fail(what + ": missing shape");
        int[] shape = new int[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 0) {
                throw problems.fail(what + ": shape " + shapeNode + " must hold non-negative integers");
            }
            shape[i] = d.asInt();
            count = count == 0 || shape[i] == 0 ? 0 : (count > Long.MAX_VALUE / 4 / shape[i] ? -1 : count * shape[i]);
            if (count < 0) throw problems.fail(what + ": shape " + shapeNode + " is too large");
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw problems.fail(what + ": data_offsets must be [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) throw problems.fail(what + ": data_offsets [" + begin + ", " + end + "] are not a valid range");
        if (end > dataBytes) {
            throw problems.fail(what + ": data_offsets [" + begin + ", " + end + "] run past the end of the data section (" + dataBytes + " bytes)");
        }
        if (end - begin != count * Float.BYTES) {
            throw problems.fail(what + ": shape " + Arrays.toString(shape) + " needs " + count * Float.BYTES
                    + " bytes of F32 but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, shape, begin, end);
    }

    /** Copies one tensor's values into {@code dst}, refusing NaN and infinities. */
    static void copy(byte[] file, Header h, Entry e, float[] dst, Problems problems) {
        if (e.count() != dst.length) throw new IllegalStateException(e.name + ": " + e.count() + " values for " + dst.length);
        ByteBuffer.wrap(file, h.dataStart() + (int) e.begin, (int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().get(dst);
        for (int i = 0; i < dst.length; i++) {
            if (!Float.isFinite(dst[i])) {
                throw problems.fail("tensor " + e.name + " holds " + dst[i] + " at index " + i + " (weights must be finite)");
            }
        }
    }

    /** Turns a problem into the caller's exception (it knows the file name). */
    interface Problems {
        RuntimeException fail(String problem);
    }
}
