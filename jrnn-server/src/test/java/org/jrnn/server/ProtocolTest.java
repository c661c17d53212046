package org.jrnn.server;

// Every route of the Open Inference Protocol v2 REST subset and /predictions, against a real server:
// status, headers and JSON shapes, `outputs` selection, `id` echo, top_k and explain, auth.

import static org.assertj.core.api.Assertions.assertThat;
import static org.jrnn.server.TestServers.get;
import static org.jrnn.server.TestServers.inferBody;
import static org.jrnn.server.TestServers.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.io.TestModels;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtocolTest {
    @TempDir
    static Path dir;
    static JrnnServer server;
    static Classifier reference;

    @BeforeAll
    static void start() throws Exception {
        Path f = TestServers.model(dir, "tiny", 7);
        server = TestServers.builder(f).model("other", TestServers.model(dir, "other", 8)).build().start();
        reference = Classifier.load(f);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthAndServerMetadata() {
        assertThat(get(server, "/v2/health/live").json().get("live").booleanValue()).isTrue();
        TestServers.Reply ready = get(server, "/v2/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("ready").booleanValue()).isTrue();
        JsonNode meta = get(server, "/v2").json();
        assertThat(meta.get("name").textValue()).isEqualTo("jrnn");
        assertThat(meta.get("version").textValue()).isEqualTo(org.jrnn.Version.get());
        assertThat(meta.get("extensions").get(0).textValue()).isEqualTo("model_repository");
    }

    @Test
    void modelMetadataAndReadinessInBothPathForms() {
        for (String base : List.of("/v2/models/tiny", "/v2/models/tiny/versions/1")) {
            TestServers.Reply r = get(server, base);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode m = r.json();
            assertThat(m.get("name").textValue()).isEqualTo("tiny");
            assertThat(m.get("versions").toString()).isEqualTo("[\"1\"]");
            assertThat(m.get("platform").textValue()).isEqualTo("jrnn");
            assertThat(m.get("inputs").toString()).isEqualTo("[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1]}]");
            assertThat(m.get("outputs").get(0).toString()).isEqualTo("{\"name\":\"probabilities\",\"datatype\":\"FP32\",\"shape\":[-1,3]}");
            assertThat(m.get("outputs").get(1).toString()).isEqualTo("{\"name\":\"label\",\"datatype\":\"BYTES\",\"shape\":[-1]}");
            assertThat(m.get("parameters").get("class_names").toString()).isEqualTo("[\"World\",\"Sports\",\"Business\"]");
            assertThat(m.get("parameters").get("architecture").get("layers").get(0).get("type").textValue()).isEqualTo("GRU");
            TestServers.Reply ready = get(server, base + "/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json().get("ready").booleanValue()).isTrue();
        }
        get(server, "/v2/models/tiny/versions/2").isError(404);
        assertThat(get(server, "/v2/models/nope").isError(404).error()).isEqualTo("unknown model 'nope'");
        get(server, "/v2/models/nope/ready").isError(404);
    }

    @Test
    void inferAnswersAsTheClassifierWithIdEcho() {
        List<String> texts = TestServers.texts(5, 1);
        for (String path : List.of("/v2/models/tiny/infer", "/v2/models/tiny/versions/1/infer")) {
            TestServers.Reply r = post(server, path, inferBody(texts, "\"id\":\"req-1\""));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode j = r.json();
            assertThat(j.get("model_name").textValue()).isEqualTo("tiny");
            assertThat(j.get("model_version").textValue()).isEqualTo("1");
            assertThat(j.get("id").textValue()).isEqualTo("req-1");
            assertThat(j.get("outputs")).hasSize(2);
            JsonNode probs = j.get("outputs").get(0);
            assertThat(probs.get("name").textValue()).isEqualTo("probabilities");
            assertThat(probs.get("datatype").textValue()).isEqualTo("FP32");
            assertThat(probs.get("shape").toString()).isEqualTo("[5,3]");
            JsonNode labels = j.get("outputs").get(1);
            assertThat(labels.get("name").textValue()).isEqualTo("label");
            assertThat(labels.get("datatype").textValue()).isEqualTo("BYTES");
            assertThat(labels.get("shape").toString()).isEqualTo("[5]");
            List<Prediction> expected = reference.predictBatch(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(labels.get("data").get(i).textValue()).isEqualTo(expected.get(i).label());
                for (int k = 0; k < 3; k++) {
                    assertThat(probs.get("data").get(i * 3 + k).floatValue()).isEqualTo(expected.get(i).probabilities().get(k).floatValue());
                }
            }
        }
        JsonNode noId = post(server, "/v2/models/tiny/infer", inferBody(texts, null)).json();
        assertThat(noId.has("id")).isFalse();
    }

    @Test
    void outputsSelectionTopKAndExplain() {
        List<String> texts = List.of("the team wins the match", "bank profit shares");
        JsonNode onlyLabel = post(server, "/v2/models/tiny/infer", inferBody(texts, "\"outputs\":[{\"name\":\"label\"}]")).json();
        assertThat(onlyLabel.get("outputs")).hasSize(1);
        assertThat(onlyLabel.get("outputs").get(0).get("name").textValue()).isEqualTo("label");

        JsonNode top = post(server, "/v2/models/tiny/infer", inferBody(texts, "\"parameters\":{\"top_k\":2}")).json();
        List<String> names = new ArrayList<>();
        top.get("outputs").forEach(o -> names.add(o.get("name").textValue()));
        assertThat(names).containsExactly("probabilities", "label", "top_k_labels", "top_k_probabilities");
        JsonNode topLabels = top.get("outputs").get(2);
        assertThat(topLabels.get("shape").toString()).isEqualTo("[2,2]");
        assertThat(top.get("outputs").get(3).get("datatype").textValue()).isEqualTo("FP32");
        for (int i = 0; i < 2; i++) {
            List<Prediction.Scored> k = reference.predict(texts.get(i)).topK(2);
            assertThat(topLabels.get("data").get(2 * i).textValue()).isEqualTo(k.get(0).label());
            assertThat(topLabels.get("data").get(2 * i + 1).textValue()).isEqualTo(k.get(1).label());
            assertThat(top.get("outputs").get(3).get("data").get(2 * i).floatValue()).isEqualTo((float) k.get(0).probability());
        }

        JsonNode ex = post(server, "/v2/models/tiny/infer", inferBody(texts, "\"parameters\":{\"explain\":true}")).json();
        JsonNode explanation = ex.get("outputs").get(2);
        assertThat(explanation.get("name").textValue()).isEqualTo("explanation");
        assertThat(explanation.get("datatype").textValue()).isEqualTo("BYTES");
        JsonNode tokens = TestServers.JSON.valueToTree(parse(explanation.get("data").get(0).textValue()));
        Prediction expected = reference.explain(texts.get(0));
        assertThat(tokens).hasSize(expected.explanation().size());
        assertThat(tokens.get(1).get("token").textValue()).isEqualTo("team");
        assertThat(tokens.get(1).get("weight").doubleValue()).isEqualTo(Math.round(expected.explanation().get(1).weight() * 1e6) / 1e6);
        assertThat(ex.get("outputs").get(1).get("data").get(0).textValue()).isEqualTo(expected.label());
    }

    private static JsonNode parse(String s) {
        try {
            return TestServers.JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    @Test
    void anEmptyBatchAnswersEmptyTensors() {
        JsonNode j = post(server, "/v2/models/tiny/infer", inferBody(List.of(), null)).json();
        assertThat(j.get("outputs").get(0).get("shape").toString()).isEqualTo("[0,3]");
        assertThat(j.get("outputs").get(1).get("data")).isEmpty();
    }

    @Test
    void predictionsRouteFollowsTheHuggingFaceConvention() {
        Prediction p = reference.predict("the election talks");
        TestServers.Reply single = post(server, "/predictions/tiny", "{\"inputs\": \"the election talks\"}");
        assertThat(single.status()).isEqualTo(200);
        assertThat(single.json()).hasSize(1);
        assertThat(single.json().get(0).get("label").textValue()).isEqualTo(p.label());
        assertThat(single.json().get(0).get("score").floatValue()).isEqualTo((float) p.confidence());

        JsonNode list = post(server, "/predictions/tiny", "{\"inputs\": [\"the election talks\", \"goal\"], \"parameters\": {\"top_k\": 3}}").json();
        assertThat(list).hasSize(2);
        assertThat(list.get(0)).hasSize(3);
        assertThat(list.get(0).get(0).get("label").textValue()).isEqualTo(p.label());
        assertThat(list.get(1).get(2).get("label").textValue()).isEqualTo(reference.predict("goal").topK(3).get(2).label());
        post(server, "/predictions/nope", "{\"inputs\": \"x\"}").isError(404);
        post(server, "/predictions/tiny", "{\"inputs\": 3}").isError(400);
        assertThat(post(server, "/predictions/tiny", "{\"inputs\": [\"a\", 3]}").isError(400).error()).isEqualTo("inputs[1] must be a string, received a number");
    }

    @Test
    void repositoryIndexLoadAndMetrics() {
        JsonNode index = post(server, "/v2/repository/index", "").json();
        assertThat(index.toString()).isEqualTo("[{\"name\":\"tiny\",\"version\":\"1\",\"state\":\"READY\"},{\"name\":\"other\",\"version\":\"1\",\"state\":\"READY\"}]");
        TestServers.Reply load = post(server, "/v2/repository/models/other/load", "");
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(load.json().get("loaded").booleanValue()).isTrue();
        post(server, "/v2/repository/models/nope/load", "").isError(404);

        post(server, "/v2/models/tiny/infer", inferBody(List.of("goal"), null));
        TestServers.Reply m = get(server, "/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(m.body()).contains("# TYPE jrnn_requests_total counter", "jrnn_requests_total{route=\"infer\",status=\"200\"} ",
                "# TYPE jrnn_request_duration_seconds histogram", "jrnn_request_duration_seconds_bucket{route=\"infer\",le=\"+Inf\"} ",
                "# TYPE jrnn_batch_texts histogram", "jrnn_batch_texts_count{model=\"tiny\"} ", "jrnn_queue_texts{model=\"tiny\"} 0",
                "jrnn_model_load_seconds{model=\"other\"} ");
        // Every sample line is "name{labels} number" (format 0.0.4).
        for (String line : m.body().split("\n")) {
            if (!line.startsWith("#")) assertThat(line).matches("jrnn_[a-z_]+(\\{[^}]*\\})? -?[0-9.e+-]+");
        }
    }

    @Test
    void wrongMethodsAnswer405WithAllow() {
        TestServers.Reply r = get(server, "/v2/models/tiny/infer").isError(405);
        assertThat(r.headers().firstValue("allow")).hasValue("POST");
        TestServers.Reply r2 = post(server, "/v2/health/live", "{}").isError(405);
        assertThat(r2.headers().firstValue("allow")).hasValue("GET");
        get(server, "/predictions/tiny").isError(405);
        get(server, "/nowhere").isError(404);
    }

    @Test
    void bearerTokenGuardsAllButHealth(@TempDir Path d) throws Exception {
        try (JrnnServer s = TestServers.builder(TestServers.model(d, "t", 3)).authToken("s3cret").build().start()) {
            assertThat(get(s, "/v2/health/ready").status()).isEqualTo(200);
            assertThat(get(s, "/v2/health/live").status()).isEqualTo(200);
            TestServers.Reply missing = get(s, "/v2/models/tiny").isError(401);
            assertThat(missing.headers().firstValue("www-authenticate")).hasValue("Bearer");
            post(s, "/v2/models/tiny/infer", inferBody(List.of("goal"), null)).isError(401);
            get(s, "/metrics").isError(401);
            TestServers.Reply wrong = TestServers.send(HttpRequest.newBuilder(TestServers.uri(s, "/v2/models/tiny")).header("Authorization", "Bearer s3cre").build());
            wrong.isError(401);
            TestServers.Reply ok = TestServers.send(HttpRequest.newBuilder(TestServers.uri(s, "/v2/models/tiny/infer")).header("Authorization", "Bearer s3cret")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(inferBody(List.of("goal"), null))).build());
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        }
        assertThat(Files.exists(d)).isTrue();
    }

    @Test
    void contentTypeWithCharsetOrMissingIsAccepted() {
        String body = inferBody(List.of("goal"), null);
        assertThat(post(server, "/v2/models/tiny/infer", body.getBytes(), "application/json; charset=UTF-8").status()).isEqualTo(200);
        assertThat(post(server, "/v2/models/tiny/infer", body.getBytes(), null).status()).isEqualTo(200);
        post(server, "/v2/models/tiny/infer", body.getBytes(), "text/plain").isError(415);
        post(server, "/v2/models/tiny/infer", body.getBytes(), "application/json; charset=latin1").isError(415);
    }

    @Test
    void theAccessLogWritesOneJsonLinePerRequest(@TempDir Path d) throws Exception {
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (JrnnServer s = TestServers.builder(TestServers.model(d, "t", 3))
                .accessLog(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8)).build().start()) {
            post(s, "/v2/models/tiny/infer", inferBody(List.of("goal"), null));
            get(s, "/v2/models/nope");
        }
        String[] lines = log.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = TestServers.JSON.readTree(lines[0]);
        assertThat(first.get("method").textValue()).isEqualTo("POST");
        assertThat(first.get("path").textValue()).isEqualTo("/v2/models/tiny/infer");
        assertThat(first.get("route").textValue()).isEqualTo("infer");
        assertThat(first.get("model").textValue()).isEqualTo("tiny");
        assertThat(first.get("status").intValue()).isEqualTo(200);
        assertThat(first.get("remote").textValue()).isEqualTo("127.0.0.1");
        assertThat(first.get("duration_ms").isNumber()).isTrue();
        assertThat(java.time.Instant.parse(first.get("time").textValue())).isNotNull();
        assertThat(TestServers.JSON.readTree(lines[1]).get("status").intValue()).isEqualTo(404);
    }

    @Test
    void theTinyModelHasTheClassesTheTestsAssume() {
        assertThat(reference.classNames()).isEqualTo(TestModels.CLASSES);
    }
}
