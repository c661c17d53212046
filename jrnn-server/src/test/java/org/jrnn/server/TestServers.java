package org.jrnn.server;

// A real server on an ephemeral loopback port with tiny models (jrnn-core's TestModels), and an HTTP
// client for it: what every server test starts from.

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.TextField;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedLanguageModel;
import org.jrnn.io.SavedModel;
import org.jrnn.io.TestModels;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.text.LmVocabulary;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.LmJob;

final class TestServers {
    private TestServers() {}

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** Writes TestModels.tiny(seed) to dir/name.jrnn. */
    static Path model(Path dir, String name, long seed) {
        Path f = dir.resolve(name + ".jrnn");
        try {
            ModelFile.save(f, TestModels.tiny(seed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    static final List<String> TAGS = List.of("B-LOC", "B-PER", "I-LOC", "I-PER", "O");
    static final List<String> TAGGER_WORDS = List.of("Angela", "Merkel", "visited", "Paris", "New", "York", "is", "in", ".");

    /** An untrained BIO tagger, Embedding(6) -> Bidirectional GRU(4) per step -> TimeDistributed(Dense(5)), at dir/name.jrnn. */
    static Path tagger(Path dir, String name, long seed) {
        TextVectorizer v = TextVectorizer.adaptTokens(List.of(TAGGER_WORDS), 100, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        ModelSpec spec = new ModelSpec(6, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("GRU", 4, true), "concat"),
                LayerSpec.timeDistributed(TAGS.size())));
        return save(dir, name, f -> ModelFile.save(f, new SavedModel(spec, v, 100, TextField.TITLE, TAGS, spec.build(v.size(), TAGS.size(), seed),
                null, null, null, SavedModel.Task.TAG)));
    }

    /**
     * An untrained character language model, Embedding(4) -> GRU(6) -> TimeDistributed(Dense(V)), at
     * dir/name.jrnn. Its head's [EOS] bias is -1000, so it never ends a text: every generation runs to
     * max_tokens, whatever the seed.
     */
    static Path languageModel(Path dir, String name, long seed) {
        LmVocabulary v = LmVocabulary.adapt(List.of("the team wins", "oil prices climb", "bank shares", "Oil prices climb as OPEC cuts output"),
                LmVocabulary.Tokens.CHAR, 0);
        ModelSpec spec = LmJob.withHead(new ModelSpec(4, true, List.of(LayerSpec.rnn("GRU", 6, true))), v.size());
        Sequential m = spec.build(v.size(), v.size(), seed);
        Param bias = null;
        for (var e : m.stateDict().entrySet()) if (e.getKey().endsWith("bias") && e.getValue().data.length == v.size()) bias = e.getValue();
        if (bias == null) throw new AssertionError("no head bias in " + m.stateDict().keySet());
        bias.data[LmVocabulary.EOS] = -1000f;
        return save(dir, name, f -> ModelFile.save(f, new SavedLanguageModel(spec, v, TextField.TITLE, m, null, null, null)));
    }

    private interface Saver {
        void save(Path f) throws IOException;
    }

    private static Path save(Path dir, String name, Saver saver) {
        Path f = dir.resolve(name + ".jrnn");
        try {
            saver.save(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** A builder for a test server: port 0, short warm-up. */
    static JrnnServer.Builder builder(Path modelFile) {
        return JrnnServer.builder().model("tiny", modelFile).port(0).warmUp(Duration.ofMillis(20)).drain(Duration.ofSeconds(5));
    }

    /** Texts from the tiny model's vocabulary (and an unknown word), lengths 0 to 12. */
    static List<String> texts(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            int len = r.nextInt(13);
            for (int w = 0; w < len; w++) {
                s.append(w == 0 ? "" : " ").append(r.nextInt(10) == 0 ? "zebra" : TestModels.VOCAB.get(2 + r.nextInt(TestModels.VOCAB.size() - 2)));
            }
            out.add(s.toString());
        }
        return out;
    }

    record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** An error reply: {"error": one line}, no stack trace. */
        Reply isError(int expected) {
            assertThat(status).as(body).isEqualTo(expected);
            assertThat(headers.firstValue("content-type")).hasValue("application/json");
            assertThat(json().size()).as(body).isEqualTo(1);
            assertThat(json().get("error").isTextual()).as(body).isTrue();
            assertNoTrace(body);
            return this;
        }

        String error() {
            return json().get("error").textValue();
        }
    }

    static void assertNoTrace(String body) {
        assertThat(body).doesNotContain("at org.").doesNotContain("Exception").doesNotContain("\n\tat ").doesNotContain("\n");
    }

    static Reply send(HttpRequest r) {
        try {
            HttpResponse<String> resp = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
            return new Reply(resp.statusCode(), resp.headers(), resp.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static URI uri(JrnnServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static Reply get(JrnnServer s, String path) {
        return send(HttpRequest.newBuilder(uri(s, path)).GET().build());
    }

    static Reply post(JrnnServer s, String path, String json) {
        return send(HttpRequest.newBuilder(uri(s, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static Reply post(JrnnServer s, String path, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(s, path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return send(b.build());
    }

    /** An OIP infer body for {@code texts}. */
    static String inferBody(List<String> texts, String extra) {
        try {
            return "{\"inputs\":[{\"name\":\"text\",\"shape\":[" + texts.size() + "],\"datatype\":\"BYTES\",\"data\":"
                    + JSON.writeValueAsString(texts) + "}]" + (extra == null ? "" : "," + extra) + "}";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
