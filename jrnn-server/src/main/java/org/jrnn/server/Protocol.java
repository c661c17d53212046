// The JSON of the two inference routes: parsing requests into checked records, writing responses
// straight to bytes with a Jackson generator. Open Inference Protocol v2 (KServe v2) REST for
// /v2/models/{name}/infer, the Hugging Face Inference API convention for /predictions/{name}.
// Every error names the request field it is about (inputs[0].data[3]) and is one line.
package org.jrnn.server;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jrnn.serve.Prediction;

final class Protocol {
    private Protocol() {}

    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";
    static final String TOP_K_LABELS = "top_k_labels";
    static final String TOP_K_PROBABILITIES = "top_k_probabilities";
    static final String EXPLANATION = "explanation";
    static final List<String> OUTPUT_NAMES = List.of(PROBABILITIES, LABEL, TOP_K_LABELS, TOP_K_PROBABILITIES, EXPLANATION);
    static final String INPUT_NAME = "text";
    /** Explaining a text runs one forward pass per token: a request may ask it for this many texts at most. */
    static final int MAX_EXPLAIN_TEXTS = 16;

    /**
     * Bounded parsing: the body is already bounded by maxBodyBytes; the nesting limit keeps the tree
     * builder's recursion shallow whatever the body.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();
    static final ObjectMapper MAPPER = new ObjectMapper(FACTORY).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Request limits, as the server was built with. */
    record Limits(int maxTexts, int maxTextChars) {}

    /**
     * A checked infer request.
     *
     * @param id the request's id, echoed (null when absent)
     * @param outputs output names in response order
     * @param topK classes in the top_k outputs (1 when only selected by name)
     */
    record InferRequest(String id, List<String> texts, List<String> outputs, int topK, boolean explain) {}

    /** A checked /predictions request: {@code single} when inputs was one string, not a list. */
    record PredictionsRequest(List<String> texts, boolean single, int topK) {}

    // ------------------------------------------------------------------ parsing

    /** The body as a JSON tree: strict UTF-8, one JSON value, bounded. */
    static JsonNode parse(byte[] body, int length) {
        checkUtf8(body, length);
        if (length == 0) throw HttpError.badRequest("empty body: expected a JSON object");
        try {
            JsonNode root = MAPPER.readTree(body, 0, length);
            if (root == null || !root.isObject()) throw HttpError.badRequest("body must be a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            // Jackson's message may quote a location "[Source: REDACTED ...]": the line and column say it better.
            String why = oneLine(e.getOriginalMessage()).replaceAll(" ?\\(start marker at \\[Source:[^\\]]*\\]\\)", "");
            throw HttpError.badRequest("malformed JSON: " + why + location(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** JSON is UTF-8 (RFC 8259): refuse overlong forms, surrogates and stray bytes rather than guess. */
    static void checkUtf8(byte[] body, int length) {
        int i = 0;
        while (i < length && body[i] >= 0) i++; // the common all-ASCII body costs one pass
        if (i == length) return;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body, i, length - i));
        } catch (CharacterCodingException e) {
            throw HttpError.badRequest("body is not valid UTF-8");
        }
    }

    static InferRequest parseInfer(JsonNode root, Limits limits) {
        String id = null;
        JsonNode idNode = root.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual()) throw HttpError.badRequest("id must be a string, received " + kind(idNode));
            id = idNode.textValue();
        }
        int topK = 0;
        boolean explain = false;
        JsonNode params = root.get("parameters");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) throw HttpError.badRequest("parameters must be an object, received " + kind(params));
            topK = topK(params.get("top_k"), "parameters.top_k");
            JsonNode e = params.get("explain");
            if (e != null && !e.isNull()) {
                if (!e.isBoolean()) throw HttpError.badRequest("parameters.explain must be true or false, received " + kind(e));
                explain = e.booleanValue();
            }
        }
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray()) throw HttpError.badRequest("inputs must be a list of one tensor named 'text', received " + kind(inputs));
        if (inputs.size() != 1) throw HttpError.badRequest("inputs must hold exactly one tensor, named 'text', received " + inputs.size());
        JsonNode t = inputs.get(0);
        if (!t.isObject()) throw HttpError.badRequest("inputs[0] must be an object, received " + kind(t));
        JsonNode name = t.get("name");
        if (name == null || !name.isTextual() || !name.textValue().equals(INPUT_NAME)) {
            throw HttpError.badRequest("inputs[0].name must be 'text', received " + shortValue(name));
        }
        JsonNode datatype = t.get("datatype");
        if (datatype == null || !datatype.isTextual() || !datatype.textValue().equals("BYTES")) {
            throw HttpError.badRequest("inputs[0].datatype must be 'BYTES', received " + shortValue(datatype));
        }
        JsonNode shape = t.get("shape");
        if (shape == null || !shape.isArray() || shape.size() != 1 || !shape.get(0).canConvertToInt() || !shape.get(0).isIntegralNumber()
                || shape.get(0).intValue() < 0) {
            throw HttpError.badRequest("inputs[0].shape must be [n] with n >= 0 the number of texts, received " + shortValue(shape));
        }
        int n = shape.get(0).intValue();
        if (n > limits.maxTexts()) throw HttpError.badRequest("inputs[0].shape: at most " + limits.maxTexts() + " texts per request, received " + n);
        JsonNode data = t.get("data");
        if (data == null || !data.isArray()) throw HttpError.badRequest("inputs[0].data must be a list of strings, received " + kind(data));
        if (data.size() != n) throw HttpError.badRequest("inputs[0].data has " + data.size() + " elements, shape says " + n);
        List<String> texts = texts(data, "inputs[0].data", limits);
        List<String> outputs = new ArrayList<>();
        JsonNode outs = root.get("outputs");
        if (outs != null && !outs.isNull()) {
            if (!outs.isArray()) throw HttpError.badRequest("outputs must be a list of {\"name\": ...}, received " + kind(outs));
            for (int i = 0; i < outs.size(); i++) {
                JsonNode o = outs.get(i);
                JsonNode on = o.isObject() ? o.get("name") : null;
                if (on == null || !on.isTextual() || !OUTPUT_NAMES.contains(on.textValue())) {
                    throw HttpError.badRequest("outputs[" + i + "].name must be one of " + String.join(", ", OUTPUT_NAMES) + ", received " + shortValue(on));
                }
                if (outputs.contains(on.textValue())) throw HttpError.badRequest("outputs[" + i + "].name '" + on.textValue() + "' is listed twice");
                outputs.add(on.textValue());
            }
            if (outputs.contains(EXPLANATION)) explain = true;
            if (topK == 0 && (outputs.contains(TOP_K_LABELS) || outputs.contains(TOP_K_PROBABILITIES))) topK = 1;
        } else {
            outputs.add(PROBABILITIES);
            outputs.add(LABEL);
            if (topK > 0) {
                outputs.add(TOP_K_LABELS);
                outputs.add(TOP_K_PROBABILITIES);
            }
            if (explain) outputs.add(EXPLANATION);
        }
        if (explain && n > MAX_EXPLAIN_TEXTS) {
            throw HttpError.badRequest("parameters.explain: at most " + MAX_EXPLAIN_TEXTS + " texts per request, received " + n);
        }
        return new InferRequest(id, texts, List.copyOf(outputs), topK, explain);
    }

    static PredictionsRequest parsePredictions(JsonNode root, Limits limits) {
        JsonNode params = root.get("parameters");
        int topK = 1;
        if (params != null && !params.isNull()) {
            if (!params.isObject()) throw HttpError.badRequest("parameters must be an object, received " + kind(params));
            int k = topK(params.get("top_k"), "parameters.top_k");
            if (k > 0) topK = k;
        }
        JsonNode inputs = root.get("inputs");
        if (inputs != null && inputs.isTextual()) {
            String s = inputs.textValue();
            checkLength(s, "inputs", limits);
            return new PredictionsRequest(List.of(s), true, topK);
        }
        if (inputs == null || !inputs.isArray()) throw HttpError.badRequest("inputs must be a string or a list of strings, received " + kind(inputs));
        if (inputs.size() > limits.maxTexts()) {
            throw HttpError.badRequest("inputs: at most " + limits.maxTexts() + " texts per request, received " + inputs.size());
        }
        return new PredictionsRequest(texts(inputs, "inputs", limits), false, topK);
    }

    private static List<String> texts(JsonNode array, String field, Limits limits) {
        List<String> texts = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode s = array.get(i);
            if (!s.isTextual()) throw HttpError.badRequest(field + "[" + i + "] must be a string, received " + kind(s));
            checkLength(s.textValue(), field + "[" + i + "]", limits);
            texts.add(s.textValue());
        }
        return texts;
    }

    private static void checkLength(String s, String field, Limits limits) {
        if (s.length() > limits.maxTextChars()) {
            throw HttpError.badRequest(field + ": text of " + s.length() + " characters, at most " + limits.maxTextChars());
        }
    }

    /** 0 when absent. */
    private static int topK(JsonNode k, String field) {
        if (k == null || k.isNull()) return 0;
        if (!k.isIntegralNumber() || !k.canConvertToInt() || k.intValue() < 1) {
            throw HttpError.badRequest(field + " must be an integer >= 1, received " + shortValue(k));
        }
        return k.intValue();
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A value for an error message: its JSON, cut to 60 characters. */
    static String shortValue(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        String s = n.toString();
        return oneLine(s.length() > 60 ? s.substring(0, 57) + "..." : s);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    // ------------------------------------------------------------------ writing

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] json(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] error(String message) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("error", oneLine(message));
            g.writeEndObject();
        });
    }

    static byte[] inferResponse(String model, InferRequest req, List<Prediction> ps, int classes) {
        int n = ps.size();
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", "1");
            if (req.id() != null) g.writeStringField("id", req.id());
            g.writeArrayFieldStart("outputs");
            for (String name : req.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", name);
                switch (name) {
                    case PROBABILITIES -> {
                        shape(g, n, classes);
                        g.writeStringField("datatype", "FP32");
                        g.writeArrayFieldStart("data"); // (n, K) row-major
                        for (Prediction p : ps) for (Double v : p.probabilities()) g.writeNumber(v.floatValue());
                        g.writeEndArray();
                    }
                    case LABEL -> {
                        shape(g, n, -1);
                        g.writeStringField("datatype", "BYTES");
                        g.writeArrayFieldStart("data");
                        for (Prediction p : ps) g.writeString(p.label());
                        g.writeEndArray();
                    }
                    case TOP_K_LABELS, TOP_K_PROBABILITIES -> {
                        int k = Math.min(req.topK(), classes);
                        shape(g, n, k);
                        boolean labels = name.equals(TOP_K_LABELS);
                        g.writeStringField("datatype", labels ? "BYTES" : "FP32");
                        g.writeArrayFieldStart("data"); // (n, k) row-major, most probable first
                        for (Prediction p : ps) {
                            for (Prediction.Scored s : p.topK(k)) {
                                if (labels) g.writeString(s.label());
                                else g.writeNumber((float) s.probability());
                            }
                        }
                        g.writeEndArray();
                    }
                    case EXPLANATION -> {
                        shape(g, n, -1);
                        g.writeStringField("datatype", "BYTES");
                        g.writeArrayFieldStart("data"); // one JSON document per text, as `jrnn predict --explain` prints it
                        for (Prediction p : ps) g.writeString(explanationJson(p));
                        g.writeEndArray();
                    }
                    default -> throw new IllegalStateException(name);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void shape(JsonGenerator g, int n, int second) throws IOException {
        g.writeArrayFieldStart("shape");
        g.writeNumber(n);
        if (second >= 0) g.writeNumber(second);
        g.writeEndArray();
    }

    /** [{"token": ..., "weight": ...}, ...] with the weights rounded as predict --explain rounds them. */
    static String explanationJson(Prediction p) {
        return new String(json(g -> {
            g.writeStartArray();
            if (p.explanation() != null) {
                for (Prediction.TokenWeight w : p.explanation()) {
                    g.writeStartObject();
                    g.writeStringField("token", w.token());
                    g.writeNumberField("weight", Math.round(w.weight() * 1e6) / 1e6);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
        }), StandardCharsets.UTF_8);
    }

    static byte[] predictionsResponse(PredictionsRequest req, List<Prediction> ps) {
        return json(g -> {
            if (!req.single()) g.writeStartArray();
            for (Prediction p : ps) {
                g.writeStartArray();
                for (Prediction.Scored s : p.topK(req.topK())) {
                    g.writeStartObject();
                    g.writeStringField("label", s.label());
                    g.writeNumberField("score", (float) s.probability());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            if (!req.single()) g.writeEndArray();
        });
    }

    /** A flat JSON object of strings, numbers, booleans, lists and nested maps (metadata routes). */
    static byte[] object(Map<String, ?> m) {
        try {
            return MAPPER.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
