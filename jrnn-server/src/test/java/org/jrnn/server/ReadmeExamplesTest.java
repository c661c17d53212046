package org.jrnn.server;

// The README's "Serving a model" curl examples, run: each curl command between the serve-examples
// markers is parsed (method, path, headers, body) and sent to a test server serving tiny models as
// "news" (a classifier), "ner" (a tagger) and "lm" (a language model); the answer must be 200 and have
// the shape of the answer documented under it (same keys and value types; for /metrics, the same
// series; for an event stream, the first and the last event's). curl itself is not needed.

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeExamplesTest {
    static final Path README = Path.of("..", "README.md");

    /** One example: the curl command line and the documented answer lines (without "# "). */
    record Example(String command, List<String> answer) {}

    record Curl(String method, String path, Map<String, String> headers, String body) {}

    @Test
    void everyCurlExampleAnswersAsDocumented(@TempDir Path dir) throws Exception {
        List<Example> examples = examples(Files.readString(README, StandardCharsets.UTF_8));
        assertThat(examples).hasSizeGreaterThanOrEqualTo(11);
        try (JrnnServer s = JrnnServer.builder().model("news", TestServers.model(dir, "news", 7)).model("ner", TestServers.tagger(dir, "ner", 5))
                .model("lm", TestServers.languageModel(dir, "lm", 3)).port(0).warmUp(java.time.Duration.ofMillis(20)).build().start()) {
            for (Example e : examples) {
                Curl c = parse(e.command());
                HttpRequest.Builder b = HttpRequest.newBuilder(TestServers.uri(s, c.path()))
                        .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c.body()));
                c.headers().forEach(b::header);
                TestServers.Reply r = TestServers.send(b.build());
                assertThat(r.status()).as(e.command() + "\n" + r.body()).isEqualTo(200);
                assertThat(e.answer()).as(e.command()).isNotEmpty();
                if (e.answer().get(0).startsWith("data: ")) {
                    List<String> events = List.of(r.body().split("\n\n"));
                    assertThat(r.body()).as(e.command()).endsWith("\n\n");
                    for (String ev : events) assertThat(ev).as(e.command()).startsWith("data: ");
                    String first = e.answer().get(0);
                    String last = e.answer().get(e.answer().size() - 1);
                    assertThat(shape(TestServers.JSON.readTree(events.get(0).substring(6)), null)).as(e.command()).isEqualTo(shape(TestServers.JSON.readTree(first.substring(6))));
                    assertThat(shape(TestServers.JSON.readTree(events.get(events.size() - 1).substring(6)), null)).as(e.command())
                            .isEqualTo(shape(TestServers.JSON.readTree(last.substring(6))));
                } else if (e.answer().get(0).startsWith("{") || e.answer().get(0).startsWith("[")) {
                    JsonNode documented = TestServers.JSON.readTree(e.answer().get(0));
                    assertThat(shape(r.json(), documented)).as(e.command()).isEqualTo(shape(documented));
                } else {
                    for (String line : e.answer()) {
                        String series = line.substring(0, line.lastIndexOf(' ') + 1);
                        assertThat(r.body()).as(e.command()).contains("\n" + series);
                    }
                }
            }
        }
    }

    @Test
    void theParserReadsMethodsHeadersBodiesAndContinuations() {
        Curl c = parse("curl -s -H 'Content-Type: application/json' localhost:8080/predictions/news -d '{\"inputs\": \"it'\"'\"'s\"}'");
        assertThat(c).isEqualTo(new Curl("POST", "/predictions/news", Map.of("Content-Type", "application/json"), "{\"inputs\": \"it's\"}"));
        assertThat(parse("curl -s -X POST http://127.0.0.1:8080/v2/repository/index")).isEqualTo(new Curl("POST", "/v2/repository/index", Map.of(), null));
        List<Example> ex = examples("x\n<!-- serve-examples:start -->\n```sh\ncurl -s localhost:8080/a \\\n  -d '{}'\n# {\"a\":1}\n# more\n```\n<!-- serve-examples:end -->\n");
        assertThat(ex).containsExactly(new Example("curl -s localhost:8080/a -d '{}'", List.of("{\"a\":1}", "more")));
    }

    static List<Example> examples(String readme) {
        int from = readme.indexOf("<!-- serve-examples:start");
        int to = readme.indexOf("<!-- serve-examples:end -->");
        assertThat(from).as("README markers").isNotNegative();
        assertThat(to).isGreaterThan(from);
        List<Example> out = new ArrayList<>();
        String command = null;
        List<String> answer = new ArrayList<>();
        for (String line : readme.substring(from, to).replace("\\\n", " ").split("\n")) {
            if (line.startsWith("curl ")) {
                if (command != null) out.add(new Example(command, answer));
                command = line.replaceAll("\\s+", " ").trim();
                answer = new ArrayList<>();
            } else if (line.startsWith("# ") && command != null) {
                answer.add(line.substring(2));
            }
        }
        if (command != null) out.add(new Example(command, answer));
        return out;
    }

    /** The curl options the README uses: -s, -N (no buffering: events as they come), -X, -H, -d and a URL on localhost:8080. */
    static Curl parse(String command) {
        List<String> words = shellWords(command);
        assertThat(words.get(0)).isEqualTo("curl");
        String method = null;
        String url = null;
        String body = null;
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (Iterator<String> it = words.subList(1, words.size()).iterator(); it.hasNext(); ) {
            String w = it.next();
            switch (w) {
                case "-s", "-N", "-sN" -> { }
                case "-X" -> method = it.next();
                case "-H" -> {
                    String h = it.next();
                    headers.put(h.substring(0, h.indexOf(':')).trim(), h.substring(h.indexOf(':') + 1).trim());
                }
                case "-d", "--data" -> body = it.next();
                default -> {
                    if (w.startsWith("-")) throw new AssertionError("curl option the test does not know: " + w);
                    url = w;
                }
            }
        }
        assertThat(url).as(command).isNotNull();
        String path = url.replaceFirst("^(http://)?(localhost|127\\.0\\.0\\.1):8080", "");
        assertThat(path).as(command).startsWith("/");
        return new Curl(method != null ? method : body != null ? "POST" : "GET", path, headers, body);
    }

    /** POSIX shell words: single quotes literal, double quotes with backslash escapes, whitespace between. */
    static List<String> shellWords(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                if (w != null) out.add(w.toString());
                w = null;
                continue;
            }
            if (w == null) w = new StringBuilder();
            if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                w.append(s, i + 1, end);
                i = end;
            } else if (c == '"') {
                for (i++; s.charAt(i) != '"'; i++) w.append(s.charAt(i) == '\\' ? s.charAt(++i) : s.charAt(i));
            } else if (c == '\\') {
                w.append(s.charAt(++i));
            } else {
                w.append(c);
            }
        }
        if (w != null) out.add(w.toString());
        return out;
    }

    /** Keys and value types, recursively; a list by its first element. */
    static String shape(JsonNode n) {
        return shape(n, null);
    }

    /**
     * As {@link #shape(JsonNode)}, except that an empty list where {@code like} (the documented answer, or
     * null) has a non-empty one takes that one's shape: the tiny test models may tag no entity where the
     * README's trained one found two, and an empty list is still a list of that type.
     */
    static String shape(JsonNode n, JsonNode like) {
        if (n.isObject()) {
            StringBuilder b = new StringBuilder("{");
            n.fields().forEachRemaining(e -> b.append(e.getKey()).append(':')
                    .append(shape(e.getValue(), like != null && like.isObject() ? like.get(e.getKey()) : null)).append(','));
            return b.append('}').toString();
        }
        if (n.isArray()) {
            if (n.isEmpty()) return like != null && like.isArray() && !like.isEmpty() ? shape(like) : "[]";
            return "[" + shape(n.get(0), like != null && like.isArray() && !like.isEmpty() ? like.get(0) : null) + "]";
        }
        return n.getNodeType().toString();
    }
}
