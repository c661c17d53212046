// The JSON of the inference routes: parsing requests into checked records, writing responses
// straight to bytes with a Jackson generator. Open Inference Protocol v2 (KServe v2) REST for
// /v2/models/{name}/infer (classifiers and taggers), its generate extension (Triton's
// /generate and /generate_stream, language models), the Hugging Face Inference API convention for
// /predictions/{name}. Every error names the request field it is about (inputs[0].data[3]) and is one line.
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
import java.util.Set;
import org.jrnn.eval.Entities;
import org.jrnn.serve.Prediction;
import org.jrnn.serve.Tagger;

final class Protocol {
    private Protocol() {}

    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";
    static final String TOP_K_LABELS = "top_k_labels";
    static final String TOP_K_PROBABILITIES = "top_k_probabilities";
    static final String EXPLANATION = "explanation";
    static final List<String> OUTPUT_NAMES = List.of(PROBABILITIES, LABEL, TOP_K_LABELS, TOP_K_PROBABILITIES, EXPLANATION);
    static final String INPUT_NAME = "text";
    /** A tagger's outputs: tokens per text, then every text's tokens, tags and tag probabilities one after another. */
    static final String LENGTHS = "lengths";
    static final String TOKENS = "tokens";
    static final String TAGS = "tags";
    static final String SCORES = "scores";
    /** A BIO tagger's entities: one JSON list per text. */
    static final String ENTITIES = "entities";
    static final List<String> TAG_OUTPUT_NAMES = List.of(LENGTHS, TOKENS, TAGS, SCORES, ENTITIES);
    /** The generate extension's parameters, all optional. */
    static final List<String> GENERATE_PARAMETERS = List.of("max_tokens", "temperature", "top_k", "top_p", "seed");
    /** max_tokens when the request does not say (as jrnn generate's --max-tokens), capped by the server's limit. */
    static final int DEFAULT_MAX_TOKENS = 200;
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
    record Limits(int maxTexts, int maxTextChars, int maxGenerateTokens) {}

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

    /** A checked tagger infer request: {@code outputs} in response order. */
    record TagRequest(String id, List<String> texts, List<String> outputs) {}

    /**
     * A checked generate request.
     *
     * @param seed null for a fresh random seed
     */
    record GenerateRequest(String id, String prompt, int maxTokens, double temperature, int topK, double topP, Long seed) {}

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

    /** The optional "id", echoed in the answer. */
    private static String id(JsonNode root) {
        JsonNode idNode = root.get("id");
        if (idNode == null || idNode.isNull()) return null;
        if (!idNode.isTextual()) throw HttpError.badRequest("id must be a string, received " + kind(idNode));
        return idNode.textValue();
    }

    /** The one input tensor: "text", BYTES, [n]. */
    private static List<String> inputTexts(JsonNode root, Limits limits) {
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
        return texts;
    }

    static InferRequest parseInfer(JsonNode root, Limits limits) {
        String id = id(root);
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
        List<String> texts = inputTexts(root, limits);
        int n = texts.size();
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

    /**
     * A tagger's infer request: the classifier's input, no parameters of its own ({@code top_k} and
     * {@code explain} are refused by name, other keys ignored as for a classifier); {@code outputs} picks
     * among lengths, tokens, tags, scores and (a BIO tagger) entities.
     */
    static TagRequest parseTagInfer(JsonNode root, Limits limits, boolean bio) {
        String id = id(root);
        refuseClassifierParameters(root.get("parameters"), "parameters");
        List<String> texts = inputTexts(root, limits);
        List<String> allowed = bio ? TAG_OUTPUT_NAMES : TAG_OUTPUT_NAMES.subList(0, 4);
        List<String> outputs = new ArrayList<>();
        JsonNode outs = root.get("outputs");
        if (outs != null && !outs.isNull()) {
            if (!outs.isArray()) throw HttpError.badRequest("outputs must be a list of {\"name\": ...}, received " + kind(outs));
            for (int i = 0; i < outs.size(); i++) {
                JsonNode o = outs.get(i);
                JsonNode on = o.isObject() ? o.get("name") : null;
                if (on == null || !on.isTextual() || !allowed.contains(on.textValue())) {
                    throw HttpError.badRequest("outputs[" + i + "].name must be one of " + String.join(", ", allowed) + " (the model is a tagger), received "
                            + shortValue(on));
                }
                if (outputs.contains(on.textValue())) throw HttpError.badRequest("outputs[" + i + "].name '" + on.textValue() + "' is listed twice");
                outputs.add(on.textValue());
            }
        } else {
            outputs.addAll(allowed);
        }
        return new TagRequest(id, texts, List.copyOf(outputs));
    }

    private static void refuseClassifierParameters(JsonNode params, String field) {
        if (params == null || params.isNull()) return;
        if (!params.isObject()) throw HttpError.badRequest(field + " must be an object, received " + kind(params));
        for (String k : List.of("top_k", "explain")) {
            if (params.has(k)) throw HttpError.badRequest(field + "." + k + " applies to classifiers; the model is a tagger");
        }
    }

    /** A tagger's /predictions request: a string or a list of strings, no top_k. */
    static PredictionsRequest parseTagPredictions(JsonNode root, Limits limits) {
        refuseClassifierParameters(root.get("parameters"), "parameters");
        return parsePredictions(root, limits);
    }

    /**
     * The generate extension's request: {@code {"text_input": "...", "parameters": {...}}} and an optional
     * {@code id}. Other top-level keys and parameters other than {@link #GENERATE_PARAMETERS} are refused
     * by name (a misspelt max_tokens would otherwise silently give the default).
     */
    static GenerateRequest parseGenerate(JsonNode root, Limits limits) {
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("text_input", "parameters", "id").contains(k)) {
                throw HttpError.badRequest("unknown field '" + oneLine(cut(k)) + "': a generate request has text_input, parameters and id");
            }
        }
        String id = id(root);
        JsonNode text = root.get("text_input");
        if (text == null || !text.isTextual()) throw HttpError.badRequest("text_input must be a string (the prompt), received " + kind(text));
        checkLength(text.textValue(), "text_input", limits);
        int cap = limits.maxGenerateTokens();
        int maxTokens = Math.min(DEFAULT_MAX_TOKENS, cap);
        double temperature = 1;
        int topK = 0;
        double topP = 1;
        Long seed = null;
        JsonNode params = root.get("parameters");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) throw HttpError.badRequest("parameters must be an object, received " + kind(params));
            for (var it = params.fields(); it.hasNext(); ) {
                var e = it.next();
                String f = "parameters." + e.getKey();
                JsonNode v = e.getValue();
                switch (e.getKey()) {
                    case "max_tokens" -> {
                        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1 || v.intValue() > cap) {
                            throw HttpError.badRequest(f + " must be an integer in [1, " + cap + "], received " + shortValue(v));
                        }
                        maxTokens = v.intValue();
                    }
                    case "temperature" -> {
                        if (!v.isNumber() || !(v.doubleValue() >= 0) || Double.isInfinite(v.doubleValue())) {
                            throw HttpError.badRequest(f + " must be a number >= 0 (0 = greedy), received " + shortValue(v));
                        }
                        temperature = v.doubleValue();
                    }
                    case "top_k" -> {
                        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                            throw HttpError.badRequest(f + " must be an integer >= 0 (0 = all tokens), received " + shortValue(v));
                        }
                        topK = v.intValue();
                    }
                    case "top_p" -> {
                        if (!v.isNumber() || !(v.doubleValue() > 0 && v.doubleValue() <= 1)) {
                            throw HttpError.badRequest(f + " must be a number in (0, 1] (1 = all tokens), received " + shortValue(v));
                        }
                        topP = v.doubleValue();
                    }
                    case "seed" -> {
                        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw HttpError.badRequest(f + " must be an integer, received " + shortValue(v));
                        seed = v.longValue();
                    }
                    default -> throw HttpError.badRequest("unknown parameter '" + oneLine(cut(f)) + "': known are " + String.join(", ", GENERATE_PARAMETERS));
                }
            }
        }
        return new GenerateRequest(id, text.textValue(), maxTokens, temperature, topK, topP, seed);
    }

    private static String cut(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
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

    /** Writes one named output's shape, datatype and data. */
    @FunctionalInterface
    private interface OutputBody {
        void write(JsonGenerator g, String name) throws IOException;
    }

    /** An infer answer: model, version, the request's id, then {"name": ..., what {@code body} writes} per output, in the asked order. */
    private static byte[] inferAnswer(String model, String id, List<String> outputs, OutputBody body) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", "1");
            if (id != null) g.writeStringField("id", id);
            g.writeArrayFieldStart("outputs");
            for (String name : outputs) {
                g.writeStartObject();
                g.writeStringField("name", name);
                body.write(g, name);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    static byte[] inferResponse(String model, InferRequest req, List<Prediction> ps, int classes) {
        int n = ps.size();
        return inferAnswer(model, req.id(), req.outputs(), (g, name) -> {
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

    /**
     * A tagger's infer answer. Flat tensors, as the protocol's are: {@code lengths} INT32 [n] (tokens per
     * text), then {@code tokens} BYTES, {@code tags} BYTES and {@code scores} FP32, each [sum of lengths],
     * text after text; {@code entities} BYTES [n], one JSON list per text (BIO taggers).
     */
    static byte[] tagInferResponse(String model, TagRequest req, List<Tagger.Tagged> ts) {
        int total = 0;
        for (Tagger.Tagged t : ts) total += t.tokens().size();
        int tokens = total;
        return inferAnswer(model, req.id(), req.outputs(), (g, name) -> {
            switch (name) {
                case LENGTHS -> {
                    shape(g, ts.size(), -1);
                    g.writeStringField("datatype", "INT32");
                    g.writeArrayFieldStart("data");
                    for (Tagger.Tagged t : ts) g.writeNumber(t.tokens().size());
                    g.writeEndArray();
                }
                case TOKENS, TAGS -> {
                    shape(g, tokens, -1);
                    g.writeStringField("datatype", "BYTES");
                    g.writeArrayFieldStart("data");
                    for (Tagger.Tagged t : ts) for (String v : name.equals(TOKENS) ? t.tokens() : t.tags()) g.writeString(v);
                    g.writeEndArray();
                }
                case SCORES -> {
                    shape(g, tokens, -1);
                    g.writeStringField("datatype", "FP32");
                    g.writeArrayFieldStart("data");
                    for (Tagger.Tagged t : ts) for (float v : t.scores()) g.writeNumber(v);
                    g.writeEndArray();
                }
                case ENTITIES -> {
                    shape(g, ts.size(), -1);
                    g.writeStringField("datatype", "BYTES");
                    g.writeArrayFieldStart("data");
                    for (Tagger.Tagged t : ts) g.writeString(new String(json(w -> writeEntities(w, t)), StandardCharsets.UTF_8));
                    g.writeEndArray();
                }
                default -> throw new IllegalStateException(name);
            }
        });
    }

    /** [{"type", "start", "end", "text"}, ...]: token positions, end inclusive (conlleval's spans), text the tokens joined by spaces. */
    private static void writeEntities(JsonGenerator g, Tagger.Tagged t) throws IOException {
        g.writeStartArray();
        for (Entities.Span e : Entities.spans(t.tags())) {
            g.writeStartObject();
            g.writeStringField("type", e.type());
            g.writeNumberField("start", e.start());
            g.writeNumberField("end", e.end());
            g.writeStringField("text", String.join(" ", t.tokens().subList(e.start(), e.end() + 1)));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {"tokens", "tags", "scores"(, "entities")} per text; one object for a single string, else a list of them. */
    static byte[] tagPredictionsResponse(PredictionsRequest req, List<Tagger.Tagged> ts, boolean bio) {
        return json(g -> {
            if (!req.single()) g.writeStartArray();
            for (Tagger.Tagged t : ts) {
                g.writeStartObject();
                g.writeArrayFieldStart("tokens");
                for (String v : t.tokens()) g.writeString(v);
                g.writeEndArray();
                g.writeArrayFieldStart("tags");
                for (String v : t.tags()) g.writeString(v);
                g.writeEndArray();
                g.writeArrayFieldStart("scores");
                for (float v : t.scores()) g.writeNumber(v);
                g.writeEndArray();
                if (bio) {
                    g.writeFieldName("entities");
                    writeEntities(g, t);
                }
                g.writeEndObject();
            }
            if (!req.single()) g.writeEndArray();
        });
    }

    /** "stop" when the model ended the text ([EOS]), "length" when max_tokens did. */
    static String finishReason(int tokens, int maxTokens) {
        return tokens >= maxTokens ? "length" : "stop";
    }

    /** The generate answer, and the last event of generate_stream (then with an empty text_output). */
    static byte[] generateResponse(String model, String id, String text, String finishReason, int tokens) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", "1");
            if (id != null) g.writeStringField("id", id);
            g.writeStringField("text_output", text);
            g.writeStringField("finish_reason", finishReason);
            g.writeNumberField("generated_tokens", tokens);
            g.writeEndObject();
        });
    }

    /** One generate_stream event's JSON: {"text_output": token}. */
    static byte[] tokenEvent(String token) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("text_output", token);
            g.writeEndObject();
        });
    }

    /** A Server-Sent Event carrying one JSON document: "data: ...\n\n" (JSON has no raw newline). */
    static ByteBuffer sse(byte[] json) {
        ByteBuffer b = ByteBuffer.allocate(json.length + 8);
        b.put("data: ".getBytes(StandardCharsets.US_ASCII)).put(json).put((byte) '\n').put((byte) '\n');
        return b.flip();
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
