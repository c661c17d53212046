// The one Jetty handler: routes a request, reads its body asynchronously and bounded, checks auth,
// content type and limits, submits texts to the model's engine and completes Jetty's callback when
// the future does. No Jetty thread waits for inference; a generate_stream writes its events from the
// model's worker thread, one at a time, each write waited for (so a slow reader holds one event, not a
// growing buffer, and a gone one ends the generation).
package org.jrnn.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jrnn.errors.UserInputException;
import org.jrnn.eval.Entities;
import org.jrnn.serve.Generator;
import org.jrnn.serve.OverloadedException;
import org.jrnn.serve.Prediction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class Router extends Handler.Abstract.NonBlocking {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField TEXT_METRICS = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    private static final HttpField CLOSE = new PreEncodedHttpField(HttpHeader.CONNECTION, "close");
    private static final HttpField EVENT_STREAM = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    private static final HttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");

    private final JrnnServer server;
    private final Map<String, ServedModel> models;
    private final Metrics metrics;
    private final AccessLog accessLog;
    private final Protocol.Limits limits;
    private final int maxBodyBytes;
    private final byte[] token;
    /** Runs the blocking work of a reload (reading a file, warm-up) off Jetty's threads. */
    private final Executor reloads;

    Router(JrnnServer server, Map<String, ServedModel> models, Metrics metrics, AccessLog accessLog, Protocol.Limits limits,
           int maxBodyBytes, byte[] token, Executor reloads) {
        this.server = server;
        this.models = models;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.limits = limits;
        this.maxBodyBytes = maxBodyBytes;
        this.token = token;
        this.reloads = reloads;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange x = new Exchange(request, response, callback);
        metrics.started();
        try {
            route(x);
        } catch (HttpError e) {
            x.error(e);
        } catch (RuntimeException | Error e) {
            x.internal(e);
        }
        return true;
    }

    // ------------------------------------------------------------------ routes

    private void route(Exchange x) {
        String path = Request.getPathInContext(x.request);
        String method = x.request.getMethod();
        if (path.equals("/v2/health/live")) {
            x.route = "health";
            allow(method, "GET");
            x.sendJson(200, Protocol.object(Map.of("live", true)));
            return;
        }
        if (path.equals("/v2/health/ready")) {
            x.route = "health";
            allow(method, "GET");
            boolean ready = server.isReady();
            // The protocol's health answer is the status: 200 is true, a 4xx false (as Triton's 400).
            x.sendJson(ready ? 200 : 400, Protocol.object(Map.of("ready", ready)));
            return;
        }
        checkAuth(x);
        if (path.equals("/v2") || path.equals("/v2/")) {
            x.route = "server";
            allow(method, "GET");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", "jrnn");
            m.put("version", org.jrnn.Version.get());
            m.put("extensions", List.of("model_repository", "generate"));
            x.sendJson(200, Protocol.object(m));
            return;
        }
        if (path.equals("/metrics")) {
            x.route = "metrics";
            allow(method, "GET");
            x.send(200, TEXT_METRICS, metrics.render(models).getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        if (path.equals("/v2/repository/index")) {
            x.route = "repository";
            allow(method, "POST");
            List<Map<String, Object>> index = new ArrayList<>();
            for (ServedModel m : models.values()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", m.name);
                e.put("version", "1");
                e.put("state", m.current() == null ? "LOADING" : "READY");
                index.add(e);
            }
            x.sendJson(200, Protocol.json(g -> Protocol.MAPPER.writeValue(g, index)));
            return;
        }
        String[] parts = path.split("/", -1); // "" first, as path starts with '/'
        if (parts.length == 6 && parts[1].equals("v2") && parts[2].equals("repository") && parts[3].equals("models") && parts[5].equals("load")) {
            x.route = "repository";
            allow(method, "POST");
            load(x, model(parts[4]));
            return;
        }
        if (parts.length == 3 && parts[1].equals("predictions")) {
            x.route = "predictions";
            allow(method, "POST");
            ServedModel m = model(parts[2]);
            x.model = m.name;
            ServedModel.Generation g = current(m);
            switch (g.kind()) {
                case CLASSIFIER -> readJson(x, root -> predictions(x, m, Protocol.parsePredictions(root, limits)));
                case TAGGER -> {
                    boolean bio = Entities.isBio(g.tagger().tagNames());
                    readJson(x, root -> {
                        Protocol.PredictionsRequest req = Protocol.parseTagPredictions(root, limits);
                        answer(x, m.submitTag(req.texts()), ts -> Protocol.tagPredictionsResponse(req, ts, bio));
                    });
                }
                case LANGUAGE_MODEL -> wrongKind(x, m, g, ServedModel.Kind.CLASSIFIER);
            }
            return;
        }
        if (parts.length >= 4 && parts[1].equals("v2") && parts[2].equals("models")) {
            // /v2/models/{name}[/versions/1][/ready|/infer|/generate|/generate_stream]
            ServedModel m = model(parts[3]);
            x.model = m.name;
            int rest = 4;
            if (parts.length >= 6 && parts[4].equals("versions")) {
                if (!parts[5].equals("1")) throw new HttpError(404, "model '" + m.name + "' has only version 1, received '" + parts[5] + "'");
                rest = 6;
            }
            String action = parts.length == rest ? "" : parts.length == rest + 1 ? parts[rest] : null;
            if ("".equals(action)) {
                x.route = "metadata";
                allow(method, "GET");
                x.sendJson(200, Protocol.object(metadata(m)));
                return;
            }
            if ("ready".equals(action)) {
                x.route = "metadata";
                allow(method, "GET");
                boolean ready = m.current() != null && server.isReady();
                x.sendJson(ready ? 200 : 400, Protocol.object(Map.of("name", m.name, "ready", ready)));
                return;
            }
            if ("infer".equals(action)) {
                x.route = "infer";
                allow(method, "POST");
                ServedModel.Generation g = current(m);
                switch (g.kind()) {
                    case CLASSIFIER -> readJson(x, root -> infer(x, m, Protocol.parseInfer(root, limits)));
                    case TAGGER -> {
                        boolean bio = Entities.isBio(g.tagger().tagNames());
                        readJson(x, root -> {
                            Protocol.TagRequest req = Protocol.parseTagInfer(root, limits, bio);
                            answer(x, m.submitTag(req.texts()), ts -> Protocol.tagInferResponse(m.name, req, ts));
                        });
                    }
                    case LANGUAGE_MODEL -> wrongKind(x, m, g, ServedModel.Kind.CLASSIFIER);
                }
                return;
            }
            if ("generate".equals(action) || "generate_stream".equals(action)) {
                x.route = action;
                allow(method, "POST");
                ServedModel.Generation g = current(m);
                if (g.kind() != ServedModel.Kind.LANGUAGE_MODEL) {
                    wrongKind(x, m, g, ServedModel.Kind.LANGUAGE_MODEL);
                    return;
                }
                boolean stream = action.equals("generate_stream");
                readJson(x, root -> generate(x, m, Protocol.parseGenerate(root, limits), stream));
                return;
            }
        }
        throw new HttpError(404, "no route " + path);
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) throw new HttpError(405, "method " + method + " not allowed here, use " + allowed, "Allow", allowed);
    }

    private ServedModel model(String name) {
        ServedModel m = models.get(name);
        if (m == null) throw new HttpError(404, "unknown model '" + Protocol.oneLine(name.length() > 80 ? name.substring(0, 80) + "..." : name) + "'");
        return m;
    }

    private void checkAuth(Exchange x) {
        if (token == null) return;
        String h = x.request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(token, given)) { // constant time in the token's bytes
            throw new HttpError(401, h == null ? "missing Authorization: Bearer token" : "invalid bearer token", "WWW-Authenticate", "Bearer");
        }
    }

    private static ServedModel.Generation current(ServedModel m) {
        ServedModel.Generation g = m.current();
        if (g == null) throw new HttpError(503, "model '" + m.name + "' is loading");
        return g;
    }

    /** The body is still read (bounded) before the 400, to keep the connection usable. */
    private void wrongKind(Exchange x, ServedModel m, ServedModel.Generation g, ServedModel.Kind wanted) {
        x.readBody(bytes -> m.wrongKind(g, wanted).whenComplete((v, e) -> x.failed(e)));
    }

    private Map<String, Object> metadata(ServedModel m) {
        ServedModel.Generation g = current(m);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name);
        out.put("versions", List.of("1"));
        out.put("platform", "jrnn");
        Map<String, Object> params = new LinkedHashMap<>();
        switch (g.kind()) {
            case CLASSIFIER -> {
                List<String> classes = g.classifier().classNames();
                out.put("inputs", List.of(tensor(Protocol.INPUT_NAME, "BYTES", List.of(-1))));
                out.put("outputs", List.of(tensor(Protocol.PROBABILITIES, "FP32", List.of(-1, classes.size())), tensor(Protocol.LABEL, "BYTES", List.of(-1)),
                        tensor(Protocol.TOP_K_LABELS, "BYTES", List.of(-1, -1)), tensor(Protocol.TOP_K_PROBABILITIES, "FP32", List.of(-1, -1)),
                        tensor(Protocol.EXPLANATION, "BYTES", List.of(-1))));
                params.put("task", "classify");
                params.put("class_names", classes);
                params.put("jrnn_version", org.jrnn.Version.get());
                var saved = g.classifier().savedModel();
                params.put("architecture", Protocol.MAPPER.convertValue(saved.architecture(), Object.class));
                params.put("vocabulary_size", saved.vectorizer().size());
            }
            case TAGGER -> {
                List<String> tags = g.tagger().tagNames();
                out.put("inputs", List.of(tensor(Protocol.INPUT_NAME, "BYTES", List.of(-1))));
                List<Map<String, Object>> outputs = new ArrayList<>(List.of(tensor(Protocol.LENGTHS, "INT32", List.of(-1)),
                        tensor(Protocol.TOKENS, "BYTES", List.of(-1)), tensor(Protocol.TAGS, "BYTES", List.of(-1)), tensor(Protocol.SCORES, "FP32", List.of(-1))));
                if (Entities.isBio(tags)) outputs.add(tensor(Protocol.ENTITIES, "BYTES", List.of(-1)));
                out.put("outputs", outputs);
                params.put("task", "tag");
                params.put("tag_names", tags);
                params.put("jrnn_version", org.jrnn.Version.get());
                var saved = g.tagger().savedModel();
                params.put("architecture", Protocol.MAPPER.convertValue(saved.architecture(), Object.class));
                params.put("vocabulary_size", saved.vectorizer().size());
            }
            case LANGUAGE_MODEL -> {
                // The generate extension's tensors, as Triton describes a generate model: text_input in, text_output out.
                out.put("inputs", List.of(tensor("text_input", "BYTES", List.of(1))));
                out.put("outputs", List.of(tensor("text_output", "BYTES", List.of(1))));
                params.put("task", "lm");
                var saved = g.generator().model();
                params.put("tokens", saved.vocabulary().kind().id());
                params.put("jrnn_version", org.jrnn.Version.get());
                params.put("architecture", Protocol.MAPPER.convertValue(saved.architecture(), Object.class));
                params.put("vocabulary_size", saved.vocabulary().size());
                params.put("max_tokens", limits.maxGenerateTokens());
                params.put("max_text_chars", limits.maxTextChars());
                out.put("parameters", params);
                return out;
            }
        }
        params.put("max_texts", limits.maxTexts());
        params.put("max_text_chars", limits.maxTextChars());
        out.put("parameters", params);
        return out;
    }

    private static Map<String, Object> tensor(String name, String datatype, List<Integer> shape) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", name);
        t.put("datatype", datatype);
        t.put("shape", shape);
        return t;
    }

    private void infer(Exchange x, ServedModel m, Protocol.InferRequest req) {
        answer(x, predict(m, req.texts(), req.explain()), ps -> Protocol.inferResponse(m.name, req, ps, classes(m, ps)));
    }

    private void predictions(Exchange x, ServedModel m, Protocol.PredictionsRequest req) {
        answer(x, predict(m, req.texts(), false), ps -> Protocol.predictionsResponse(req, ps));
    }

    /**
     * Runs a generation on one of the model's workers. generate answers once at the end; generate_stream
     * writes an event per token from the worker, the first one committing 200 and the event-stream
     * headers (so a prompt the model refuses is still a plain 400).
     */
    private void generate(Exchange x, ServedModel m, Protocol.GenerateRequest req, boolean stream) {
        long seed = req.seed() != null ? req.seed() : java.util.concurrent.ThreadLocalRandom.current().nextLong();
        Generator.Options options = new Generator.Options(req.maxTokens(), req.temperature(), req.topK(), req.topP(), seed, 1);
        CompletableFuture<byte[]> done = m.submitGenerate((generator, stop) -> {
            Generator.Generation s;
            try {
                s = generator.start(req.prompt(), options);
            } catch (org.jrnn.errors.InvalidOptionException e) { // a char model's unknown prompt characters
                throw HttpError.badRequest(e.message(n -> n.equals("prompt") ? "text_input" : n));
            }
            StringBuilder text = stream ? null : new StringBuilder();
            int n = 0;
            try {
                for (String t; (t = s.next()) != null; ) {
                    n++;
                    if (stream) {
                        if (!x.event(Protocol.tokenEvent(t))) return null; // the client is gone: stop generating
                    } else {
                        text.append(t);
                    }
                    // Not an OverloadedException: that one would be retried on a reload's successor, streaming twice.
                    if (stop.getAsBoolean()) throw new HttpError(503, "model '" + m.name + "' shut down: generation cut short after " + n + " tokens");
                }
            } finally {
                metrics.generated(m.name, n);
            }
            String reason = Protocol.finishReason(n, req.maxTokens());
            return Protocol.generateResponse(m.name, req.id(), stream ? "" : text.toString(), reason, n);
        });
        done.whenComplete((body, e) -> {
            try {
                if (!stream) {
                    if (e != null) x.failed(e);
                    else x.sendJson(200, body);
                } else if (e != null) {
                    if (!x.streaming()) x.failed(e);
                    else x.endStream(Protocol.error(streamError(e)));
                } else if (body != null) {
                    x.endStream(body);
                }
            } catch (RuntimeException | Error bug) {
                x.internal(bug);
            }
        });
    }

    /** The last event of a stream cut short: what a 503 or 500 would have said. */
    private String streamError(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof HttpError h) return h.getMessage();
        LOG.error("generation failed mid-stream", c);
        return "internal error";
    }

    /** Classes of the generation that answered (a reload may change them). */
    private static int classes(ServedModel m, List<Prediction> ps) {
        if (!ps.isEmpty()) return ps.get(0).classNames().size();
        var c = m.current().classifier(); // null if a reload made the name a tagger or language model meanwhile
        return c == null ? 0 : c.classNames().size();
    }

    /** Answers when the future completes, on the thread that completes it. */
    private static <T> void answer(Exchange x, CompletableFuture<T> f, java.util.function.Function<T, byte[]> body) {
        f.whenComplete((ps, e) -> {
            try {
                if (e != null) x.failed(e);
                else x.sendJson(200, body.apply(ps));
            } catch (RuntimeException | Error bug) {
                x.internal(bug);
            }
        });
    }

    private static CompletableFuture<List<Prediction>> predict(ServedModel m, List<String> texts, boolean explain) {
        current(m);
        if (texts.isEmpty()) return CompletableFuture.completedFuture(List.of());
        if (!explain) return m.submit(texts);
        List<CompletableFuture<Prediction>> each = new ArrayList<>(texts.size());
        for (String t : texts) each.add(m.submitExplain(t));
        return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            List<Prediction> ps = new ArrayList<>(each.size());
            for (CompletableFuture<Prediction> f : each) ps.add(f.join());
            return ps;
        });
    }

    private void load(Exchange x, ServedModel m) {
        x.model = m.name;
        // The body is optional and its content ignored (the repository extension's parameters are for
        // other servers' model configurations); it is still read, bounded, to keep the connection usable.
        x.readBody(bytes -> reloads.execute(() -> {
            try {
                ServedModel.Generation g = server.reload(m);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("name", m.name);
                out.put("loaded", true);
                out.put("load_seconds", g.loadSeconds());
                x.sendJson(200, Protocol.object(out));
            } catch (UserInputException e) {
                x.error(HttpError.badRequest("model '" + m.name + "' not reloaded, still serving the previous one: " + e.getMessage()));
            } catch (java.io.IOException e) {
                x.error(HttpError.badRequest("model '" + m.name + "' not reloaded, still serving the previous one: cannot read " + m.file + ": "
                        + e.getClass().getSimpleName() + " " + e.getMessage()));
            } catch (RuntimeException | Error e) {
                x.internal(e);
            }
        }));
    }

    /** Checks the content type and reads the body as JSON, then runs {@code then} (errors answered). */
    private void readJson(Exchange x, Consumer<JsonNode> then) {
        String type = x.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (type != null) {
            String[] p = type.split(";");
            boolean json = p[0].trim().equalsIgnoreCase("application/json");
            for (int i = 1; i < p.length && json; i++) {
                String param = p[i].trim().toLowerCase(Locale.ROOT);
                if (param.startsWith("charset=") && !param.substring(8).replace("\"", "").equals("utf-8")) json = false;
            }
            if (!json) {
                HttpError wrongType = new HttpError(415, "Content-Type must be application/json (UTF-8), received '" + Protocol.oneLine(type) + "'");
                // Answered after the (bounded) body is read: answering first leaves unread bytes, and
                // the connection's close can then reset the client before it reads the 415.
                x.readBody(bytes -> {
                    throw wrongType;
                });
                return;
            }
        }
        x.readBody(bytes -> then.accept(Protocol.parse(bytes, bytes.length)));
    }

    // ------------------------------------------------------------------ one request

    /** One request's state: answers exactly once, then records metrics and the access-log line. */
    final class Exchange {
        final Request request;
        final Response response;
        final Callback callback;
        final long start = System.nanoTime();
        final AtomicBoolean answered = new AtomicBoolean();
        String route = "other";
        String model;
        private byte[] body = new byte[0];
        private int length;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        /**
         * Reads the whole body without blocking: Content-Length over the limit is refused up front,
         * a body that grows past it is refused as soon as it does (413, connection closed), a body
         * that stalls ends at the connector's idle timeout (408, connection closed).
         */
        void readBody(Consumer<byte[]> then) {
            long declared = request.getLength();
            if (declared > maxBodyBytes) throw tooLarge();
            body = new byte[(int) Math.max(0, Math.min(declared, maxBodyBytes))];
            readMore(then);
        }

        private HttpError tooLarge() {
            return new HttpError(413, "body over " + maxBodyBytes + " bytes", "Connection", "close");
        }

        private void readMore(Consumer<byte[]> then) {
            try {
                while (true) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(() -> readMore(then));
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        Throwable f = chunk.getFailure();
                        if (f instanceof java.util.concurrent.TimeoutException) {
                            error(new HttpError(408, "request body not received within the read timeout", "Connection", "close"));
                        } else {
                            error(new HttpError(400, "request body incomplete", "Connection", "close"));
                        }
                        return;
                    }
                    ByteBuffer b = chunk.getByteBuffer();
                    int n = b.remaining();
                    if ((long) length + n > maxBodyBytes) {
                        chunk.release();
                        error(tooLarge());
                        return;
                    }
                    if (length + n > body.length) body = java.util.Arrays.copyOf(body, Math.max(length + n, Math.min(maxBodyBytes, body.length * 2 + 1024)));
                    b.get(body, length, n);
                    length += n;
                    boolean last = chunk.isLast();
                    chunk.release();
                    if (last) {
                        byte[] all = length == body.length ? body : java.util.Arrays.copyOf(body, length);
                        then.accept(all);
                        return;
                    }
                }
            } catch (HttpError e) {
                error(e);
            } catch (RuntimeException | Error e) {
                internal(e);
            }
        }

        void sendJson(int status, byte[] json) {
            send(status, JSON, json, null);
        }

        private volatile boolean streaming;
        private int streamed;

        /** Whether a generate_stream has sent its first event (errors then end the stream, not a status). */
        boolean streaming() {
            return streaming;
        }

        /**
         * Writes one Server-Sent Event and waits until it is out; the first one commits 200 and the
         * event-stream headers. Runs on a worker thread. False when the client is gone (the exchange is
         * then finished) or the exchange was already answered.
         */
        boolean event(byte[] json) {
            if (!startStream()) return false;
            ByteBuffer b = Protocol.sse(json);
            streamed += b.remaining();
            Callback.Completable written = new Callback.Completable();
            response.write(false, b, written);
            try {
                written.get(); // bounded by the connector's idle timeout: a reader that stops reading fails the write
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                done(200, streamed);
                callback.failed(e.getCause());
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done(200, streamed);
                callback.failed(e);
                return false;
            }
        }

        /** The last event of a stream (starting the stream if no event was sent), then the end of the response. */
        void endStream(byte[] json) {
            if (!startStream()) return;
            ByteBuffer b = Protocol.sse(json);
            streamed += b.remaining();
            int bytes = streamed;
            response.write(true, b, new Callback() {
                @Override
                public void succeeded() {
                    done(200, bytes);
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    done(200, bytes);
                    callback.failed(x);
                }
            });
        }

        private boolean startStream() {
            if (streaming) return true;
            if (!answered.compareAndSet(false, true)) return false;
            streaming = true;
            response.setStatus(200);
            response.getHeaders().put(EVENT_STREAM);
            response.getHeaders().put(NO_CACHE);
            return true;
        }

        void error(HttpError e) {
            HttpField extra = e.headerName == null ? null : new HttpField(e.headerName, e.headerValue);
            send(e.status, JSON, Protocol.error(e.getMessage()), extra);
        }

        /** A bug or a machine failure: logged with its trace, answered without one. */
        void internal(Throwable e) {
            LOG.error("internal error on {} {}", request.getMethod(), Request.getPathInContext(request), e);
            send(500, JSON, Protocol.error("internal error"), null);
        }

        /** A prediction future's failure, mapped to its status. */
        void failed(Throwable e) {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof OverloadedException o) {
                switch (o.reason()) {
                    case QUEUE_FULL -> error(new HttpError(503, "model '" + model + "' is overloaded: its queue is full, retry later", "Retry-After", "1"));
                    case TIMED_OUT -> error(new HttpError(503, "model '" + model + "' is overloaded: the request timed out in the queue", "Retry-After", "1"));
                    case SHUT_DOWN -> error(new HttpError(503, "server is shutting down"));
                }
            } else if (c instanceof UserInputException u) {
                error(HttpError.badRequest(u.getMessage()));
            } else if (c instanceof HttpError h) {
                error(h);
            } else {
                internal(c);
            }
        }

        void send(int status, HttpField contentType, byte[] bytes, HttpField extra) {
            if (!answered.compareAndSet(false, true)) return;
            response.setStatus(status);
            var h = response.getHeaders();
            h.put(contentType);
            h.put(HttpHeader.CONTENT_LENGTH, bytes.length);
            if (extra != null) h.put(extra);
            if (extra == null && (status == 413 || status == 408)) h.put(CLOSE);
            response.write(true, ByteBuffer.wrap(bytes), new Callback() {
                @Override
                public void succeeded() {
                    done(status, bytes.length);
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    done(status, bytes.length);
                    callback.failed(x);
                }
            });
        }

        private void done(int status, int bytes) {
            long nanos = System.nanoTime() - start;
            metrics.request(route, status, nanos);
            if (accessLog != null) accessLog.log(request, route, model, status, bytes, nanos);
        }
    }
}
