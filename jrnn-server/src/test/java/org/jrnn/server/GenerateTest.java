package org.jrnn.server;

// A language model served with the generate extension: greedy and seeded answers equal to the Java
// Generator's, generate_stream's events adding up to generate's text, bad parameters and the wrong kind of
// model refused in one line, metadata, metrics and the access log, and a stream drained by a stop.

import static org.assertj.core.api.Assertions.assertThat;
import static org.jrnn.server.TestServers.get;
import static org.jrnn.server.TestServers.inferBody;
import static org.jrnn.server.TestServers.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jrnn.serve.Generator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenerateTest {
    static final int CAP = 64;

    @TempDir
    static Path dir;
    static JrnnServer server;
    static Generator reference;
    static final ByteArrayOutputStream ACCESS = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        Path lm = TestServers.languageModel(dir, "lm", 3);
        server = TestServers.builder(TestServers.model(dir, "tiny", 7)).model("lm", lm).model("ner", TestServers.tagger(dir, "ner", 5))
                .maxGenerateTokens(CAP).accessLog(new PrintStream(ACCESS, true, StandardCharsets.UTF_8)).build().start();
        reference = Generator.load(lm);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String body(String prompt, String params) {
        return "{\"text_input\": \"" + prompt + "\", \"parameters\": {" + params + "}}";
    }

    /** The JSON documents of a text/event-stream body: one per "data: " line, each event ending in a blank line. */
    static List<JsonNode> events(String body) throws IOException {
        assertThat(body).endsWith("\n\n");
        List<JsonNode> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            assertThat(event).startsWith("data: ").doesNotContain("\n");
            out.add(TestServers.JSON.readTree(event.substring(6)));
        }
        return out;
    }

    @Test
    void greedyGenerationIsTheJavaGeneratorsGreedyText() {
        TestServers.Reply r = post(server, "/v2/models/lm/generate", body("the ", "\"max_tokens\": 20, \"temperature\": 0"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("model_name").textValue()).isEqualTo("lm");
        String want = reference.generate("the ", Generator.Options.greedy(20));
        assertThat(want).hasSize(20); // char model, [EOS] suppressed: 20 one-character tokens
        assertThat(j.get("text_output").textValue()).isEqualTo(want);
        assertThat(j.get("finish_reason").textValue()).isEqualTo("length");
        assertThat(j.get("generated_tokens").intValue()).isEqualTo(20);
        // Greedy ignores the seed.
        assertThat(post(server, "/v2/models/lm/generate", body("the ", "\"max_tokens\": 20, \"temperature\": 0, \"seed\": 9")).json()
                .get("text_output").textValue()).isEqualTo(want);
    }

    @Test
    void theSameSeedGivesTheSameTextAsTheJavaGenerator() {
        String params = "\"max_tokens\": 30, \"temperature\": 1.0, \"top_k\": 5, \"top_p\": 0.9, \"seed\": 42";
        String a = post(server, "/v2/models/lm/generate", body("oil ", params)).json().get("text_output").textValue();
        String b = post(server, "/v2/models/lm/generate", body("oil ", params)).json().get("text_output").textValue();
        assertThat(a).isEqualTo(b).isEqualTo(reference.generate("oil ", new Generator.Options(30, 1.0, 5, 0.9, 42, 1)));
        List<String> others = new ArrayList<>();
        for (int seed = 1; seed <= 4; seed++) {
            others.add(post(server, "/v2/models/lm/generate", body("oil ", "\"max_tokens\": 30, \"seed\": " + seed)).json().get("text_output").textValue());
        }
        assertThat(others).as("different seeds sample different texts").doesNotHaveDuplicates();
    }

    @Test
    void streamEventsAddUpToTheGeneratedTextAndEndWithAFinalEvent() throws Exception {
        String params = "\"max_tokens\": 25, \"temperature\": 0.8, \"seed\": 7";
        String whole = post(server, "/v2/models/lm/generate", body("bank ", params)).json().get("text_output").textValue();
        TestServers.Reply r = post(server, "/v2/models/lm/generate_stream", body("bank ", params));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<JsonNode> events = events(r.body());
        assertThat(events).hasSize(26);
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events.subList(0, 25)) {
            assertThat(e.size()).as(e.toString()).isEqualTo(1);
            text.append(e.get("text_output").textValue());
        }
        assertThat(text.toString()).isEqualTo(whole);
        JsonNode last = events.get(25);
        assertThat(last.get("model_name").textValue()).isEqualTo("lm");
        assertThat(last.get("text_output").textValue()).isEmpty();
        assertThat(last.get("finish_reason").textValue()).isEqualTo("length");
        assertThat(last.get("generated_tokens").intValue()).isEqualTo(25);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"max_tokens\": 0|parameters.max_tokens must be an integer in [1, 64], received 0",
        "\"max_tokens\": 65|parameters.max_tokens must be an integer in [1, 64], received 65",
        "\"max_tokens\": 2.5|parameters.max_tokens must be an integer in [1, 64], received 2.5",
        "\"temperature\": -0.1|parameters.temperature must be a number >= 0 (0 = greedy), received -0.1",
        "\"temperature\": \"hot\"|parameters.temperature must be a number >= 0 (0 = greedy), received \"hot\"",
        "\"top_p\": 0|parameters.top_p must be a number in (0, 1] (1 = all tokens), received 0",
        "\"top_p\": 1.5|parameters.top_p must be a number in (0, 1] (1 = all tokens), received 1.5",
        "\"top_k\": -1|parameters.top_k must be an integer >= 0 (0 = all tokens), received -1",
        "\"seed\": 1.5|parameters.seed must be an integer, received 1.5",
        "\"max_token\": 5|unknown parameter 'parameters.max_token': known are max_tokens, temperature, top_k, top_p, seed",
    })
    void badParametersAre400NamingTheField(String params, String message) {
        for (String route : List.of("generate", "generate_stream")) {
            assertThat(post(server, "/v2/models/lm/" + route, body("the ", params)).isError(400).error()).isEqualTo(message);
        }
    }

    @Test
    void badRequestsAndPromptsAre400() {
        assertThat(post(server, "/v2/models/lm/generate", "{\"parameters\": {}}").isError(400).error())
                .isEqualTo("text_input must be a string (the prompt), received nothing");
        assertThat(post(server, "/v2/models/lm/generate", "{\"text_input\": 3}").isError(400).error())
                .isEqualTo("text_input must be a string (the prompt), received a number");
        assertThat(post(server, "/v2/models/lm/generate", "{\"text_input\": \"a\", \"prompt\": \"b\"}").isError(400).error())
                .isEqualTo("unknown field 'prompt': a generate request has text_input, parameters and id");
        assertThat(post(server, "/v2/models/lm/generate", "{\"text_input\": \"a\", \"parameters\": [1]}").isError(400).error())
                .isEqualTo("parameters must be an object, received a list");
        for (String route : List.of("generate", "generate_stream")) {
            assertThat(post(server, "/v2/models/lm/" + route, body("the zebra", "")).isError(400).error())
                    .startsWith("text_input has characters the model's vocabulary does not hold: 'z' (U+007A)");
        }
        assertThat(post(server, "/v2/models/lm/generate", body("x".repeat(20_001), "")).isError(400).error())
                .isEqualTo("text_input: text of 20001 characters, at most 20000");
        // Defaults: max_tokens 200 capped at the server's 64, temperature 1, a fresh seed.
        JsonNode d = post(server, "/v2/models/lm/generate", "{\"text_input\": \"\"}").json();
        assertThat(d.get("generated_tokens").intValue()).isEqualTo(CAP);
    }

    @Test
    void theWrongKindOfModelIs400NamingTheRoutesThatApply() {
        assertThat(post(server, "/v2/models/lm/infer", inferBody(List.of("the team"), null)).isError(400).error())
                .isEqualTo("model 'lm' is a language model: it generates text; use POST /v2/models/lm/generate or /v2/models/lm/generate_stream");
        assertThat(post(server, "/predictions/lm", "{\"inputs\": \"the team\"}").isError(400).error()).startsWith("model 'lm' is a language model");
        assertThat(post(server, "/v2/models/tiny/generate", body("the ", "")).isError(400).error())
                .isEqualTo("model 'tiny' is a classifier: it does not generate text; use POST /v2/models/tiny/infer or /predictions/tiny");
        assertThat(post(server, "/v2/models/ner/generate_stream", body("the ", "")).isError(400).error())
                .isEqualTo("model 'ner' is a tagger: it does not generate text; use POST /v2/models/ner/infer or /predictions/ner");
        post(server, "/v2/models/lm/generate_stream/x", body("the ", "")).isError(404);
        assertThat(TestServers.send(java.net.http.HttpRequest.newBuilder(TestServers.uri(server, "/v2/models/lm/generate")).GET().build())
                .isError(405).headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void metadataMetricsAndAccessLogCoverTheNewRoutes() {
        JsonNode m = get(server, "/v2/models/lm").json();
        assertThat(m.get("inputs").toString()).isEqualTo("[{\"name\":\"text_input\",\"datatype\":\"BYTES\",\"shape\":[1]}]");
        assertThat(m.get("outputs").toString()).isEqualTo("[{\"name\":\"text_output\",\"datatype\":\"BYTES\",\"shape\":[1]}]");
        assertThat(m.get("parameters").get("task").textValue()).isEqualTo("lm");
        assertThat(m.get("parameters").get("tokens").textValue()).isEqualTo("char");
        assertThat(m.get("parameters").get("max_tokens").intValue()).isEqualTo(CAP);
        assertThat(get(server, "/v2").json().get("extensions").toString()).isEqualTo("[\"model_repository\",\"generate\"]");
        post(server, "/v2/models/lm/generate", body("the ", "\"max_tokens\": 3"));
        post(server, "/v2/models/lm/generate_stream", body("the ", "\"max_tokens\": 4"));
        post(server, "/v2/models/lm/generate_stream", body("the ", "\"max_tokens\": 0"));
        String metrics = get(server, "/metrics").body();
        assertThat(metrics).containsPattern("\njrnn_requests_total\\{route=\"generate\",status=\"200\"} [1-9]")
                .containsPattern("\njrnn_requests_total\\{route=\"generate_stream\",status=\"200\"} [1-9]")
                .containsPattern("\njrnn_requests_total\\{route=\"generate_stream\",status=\"400\"} [1-9]")
                .containsPattern("\njrnn_request_duration_seconds_count\\{route=\"generate_stream\"} [1-9]")
                .containsPattern("\njrnn_generated_tokens_total\\{model=\"lm\"} [1-9]")
                .contains("\njrnn_queue_texts{model=\"lm\"} 0\n");
        String log = ACCESS.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("\"path\":\"/v2/models/lm/generate_stream\",\"route\":\"generate_stream\",\"model\":\"lm\",\"status\":200")
                .contains("\"path\":\"/v2/models/lm/generate\",\"route\":\"generate\",\"model\":\"lm\",\"status\":200");
    }

    /**
     * A stop while a stream is being written waits for it: the client holds the stream back (it reads
     * nothing until the stop has begun), and still gets every event and the final one.
     */
    @Test
    void aStopDrainsAStreamInFlight(@TempDir Path d) throws Exception {
        int tokens = 200_000; // ~6 MB of events: more than the loopback socket buffers hold while the client does not read
        JrnnServer s = TestServers.builder(TestServers.languageModel(d, "lm", 3)).maxGenerateTokens(tokens).drain(Duration.ofSeconds(60))
                .build().start();
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            byte[] json = body("the ", "\"max_tokens\": " + tokens + ", \"temperature\": 0").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/tiny/generate_stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            boolean inFlight = false;
            for (int i = 0; i < 300 && !inFlight; i++) {
                String metrics = get(s, "/metrics").body();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\njrnn_generated_tokens_total\\{model=\"tiny\"} (\\d+)\n").matcher(metrics);
                // The stream is still running when no generation has been counted yet and the scrape is not alone in flight.
                inFlight = !m.find() && metrics.contains("\njrnn_requests_in_flight 2\n");
                if (!inFlight) Thread.sleep(10);
            }
            assertThat(inFlight).as("the stream is in flight, held by the client").isTrue();
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> s.stop(Duration.ofSeconds(60)));
            Thread.sleep(300); // the stop has begun: no new connections, waiting for this one
            assertThat(stopped).isNotDone();
            String body = dechunk(socket.getInputStream());
            assertThat(stopped.get(60, TimeUnit.SECONDS)).as("drained in time").isTrue();
            int events = 0;
            for (int at = body.indexOf("data: "); at >= 0; at = body.indexOf("data: ", at + 1)) events++;
            assertThat(events).isEqualTo(tokens + 1);
            String last = body.substring(body.lastIndexOf("data: ") + 6).strip();
            JsonNode end = TestServers.JSON.readTree(last);
            assertThat(end.get("finish_reason").textValue()).isEqualTo("length");
            assertThat(end.get("generated_tokens").intValue()).isEqualTo(tokens);
        } finally {
            s.close();
        }
    }

    /** The body of an HTTP/1.1 response read to its end: chunked, or (Connection: close) up to the end of the stream. */
    static String dechunk(InputStream raw) throws IOException {
        InputStream in = new java.io.BufferedInputStream(raw, 1 << 16);
        String status = line(in);
        assertThat(status).startsWith("HTTP/1.1 200");
        boolean chunked = false;
        for (String h; !(h = line(in)).isEmpty(); ) chunked |= h.equalsIgnoreCase("Transfer-Encoding: chunked");
        if (!chunked) return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int n = Integer.parseInt(line(in).split(";")[0].trim(), 16);
            if (n == 0) break;
            body.write(in.readNBytes(n));
            assertThat(line(in)).isEmpty();
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed mid-line: " + b);
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }
}
