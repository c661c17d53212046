package org.jrnn.server;

// A tagger served beside a classifier: infer's flat tensors (lengths, tokens, tags, scores) and per-text
// entities as the Java Tagger and eval.Entities give them, outputs selection, /predictions, metadata,
// classifier-only parameters refused, and a reload that swaps a tagger for a classifier.

import static org.assertj.core.api.Assertions.assertThat;
import static org.jrnn.server.TestServers.get;
import static org.jrnn.server.TestServers.inferBody;
import static org.jrnn.server.TestServers.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.eval.Entities;
import org.jrnn.serve.Tagger;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaggerServingTest {
    static final List<String> TEXTS = List.of("Angela Merkel visited Paris.", "", "New York is in New York .", "Bonn (Germany)");

    @TempDir
    static Path dir;
    static JrnnServer server;
    static Tagger reference;

    @BeforeAll
    static void start() throws Exception {
        Path f = TestServers.tagger(dir, "ner", 5);
        server = TestServers.builder(TestServers.model(dir, "tiny", 7)).model("ner", f).build().start();
        reference = Tagger.load(f);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<Tagger.Tagged> expected(List<String> texts) {
        List<List<String>> sentences = new ArrayList<>();
        for (String t : texts) sentences.add(TextVectorizer.splitWords(t));
        return reference.tagTokens(sentences);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    static String entitiesJson(Tagger.Tagged t) {
        StringBuilder b = new StringBuilder("[");
        for (Entities.Span e : Entities.spans(t.tags())) {
            if (b.length() > 1) b.append(',');
            b.append("{\"type\":\"").append(e.type()).append("\",\"start\":").append(e.start()).append(",\"end\":").append(e.end())
                    .append(",\"text\":\"").append(String.join(" ", t.tokens().subList(e.start(), e.end() + 1))).append("\"}");
        }
        return b.append(']').toString();
    }

    @Test
    void inferAnswersFlatTensorsAsTheJavaTagger() {
        TestServers.Reply r = post(server, "/v2/models/ner/infer", inferBody(TEXTS, "\"id\": \"7\""));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("model_name").textValue()).isEqualTo("ner");
        assertThat(j.get("id").textValue()).isEqualTo("7");
        JsonNode outs = j.get("outputs");
        assertThat(strings(outs.findValues("name").stream().collect(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance::arrayNode,
                com.fasterxml.jackson.databind.node.ArrayNode::add, com.fasterxml.jackson.databind.node.ArrayNode::addAll)))
                .containsExactly("lengths", "tokens", "tags", "scores", "entities");
        List<Tagger.Tagged> want = expected(TEXTS);
        List<String> tokens = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (Tagger.Tagged t : want) {
            tokens.addAll(t.tokens());
            tags.addAll(t.tags());
            for (float s : t.scores()) scores.add(s);
        }
        assertThat(tokens).hasSize(5 + 7 + 4); // "Paris ." and "Bonn ( Germany )": edge punctuation split off
        assertThat(outs.get(0).get("datatype").textValue()).isEqualTo("INT32");
        assertThat(outs.get(0).get("shape").toString()).isEqualTo("[4]");
        assertThat(outs.get(0).get("data").toString()).isEqualTo("[5,0,7,4]");
        assertThat(outs.get(1).get("shape").toString()).isEqualTo("[" + tokens.size() + "]");
        assertThat(strings(outs.get(1).get("data"))).isEqualTo(tokens);
        assertThat(strings(outs.get(2).get("data"))).isEqualTo(tags);
        assertThat(outs.get(3).get("datatype").textValue()).isEqualTo("FP32");
        List<Float> gotScores = new ArrayList<>();
        outs.get(3).get("data").forEach(n -> gotScores.add(n.floatValue()));
        assertThat(gotScores).isEqualTo(scores);
        assertThat(outs.get(4).get("shape").toString()).isEqualTo("[4]");
        for (int i = 0; i < want.size(); i++) assertThat(outs.get(4).get("data").get(i).textValue()).isEqualTo(entitiesJson(want.get(i)));
    }

    @Test
    void entitiesFollowTheTagsAndOutputsPickAndOrder() {
        // Whatever the untrained model tags, at least one of these texts must yield an entity for the check to bite.
        List<String> texts = List.of("Angela Merkel visited Paris", "Paris Paris Paris New York", "Merkel Merkel in York York");
        TestServers.Reply r = post(server, "/v2/models/ner/infer", inferBody(texts, "\"outputs\": [{\"name\": \"entities\"}, {\"name\": \"tags\"}]"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode outs = r.json().get("outputs");
        assertThat(outs.size()).isEqualTo(2);
        assertThat(outs.get(0).get("name").textValue()).isEqualTo("entities");
        assertThat(outs.get(1).get("name").textValue()).isEqualTo("tags");
        List<Tagger.Tagged> want = expected(texts);
        int spans = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertThat(outs.get(0).get("data").get(i).textValue()).isEqualTo(entitiesJson(want.get(i)));
            spans += Entities.spans(want.get(i).tags()).size();
        }
        assertThat(spans).as("the untrained tagger tags some entity").isPositive();
        assertThat(post(server, "/v2/models/ner/infer", inferBody(texts, "\"outputs\": [{\"name\": \"label\"}]")).isError(400).error())
                .isEqualTo("outputs[0].name must be one of lengths, tokens, tags, scores, entities (the model is a tagger), received \"label\"");
        assertThat(post(server, "/v2/models/ner/infer", inferBody(texts, "\"parameters\": {\"top_k\": 2}")).isError(400).error())
                .isEqualTo("parameters.top_k applies to classifiers; the model is a tagger");
        assertThat(post(server, "/predictions/ner", "{\"inputs\": \"Paris\", \"parameters\": {\"explain\": true}}").isError(400).error())
                .isEqualTo("parameters.explain applies to classifiers; the model is a tagger");
    }

    @Test
    void predictionsGiveTokensTagsScoresAndEntitiesPerText() {
        TestServers.Reply list = post(server, "/predictions/ner", "{\"inputs\": [\"Angela Merkel visited Paris.\", \"New York\"]}");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        List<Tagger.Tagged> want = expected(List.of("Angela Merkel visited Paris.", "New York"));
        assertThat(list.json().size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            JsonNode p = list.json().get(i);
            assertThat(strings(p.get("tokens"))).isEqualTo(want.get(i).tokens());
            assertThat(strings(p.get("tags"))).isEqualTo(want.get(i).tags());
            assertThat(p.get("scores").size()).isEqualTo(want.get(i).tokens().size());
            assertThat(p.get("entities").toString()).isEqualTo(entitiesJson(want.get(i)));
        }
        TestServers.Reply single = post(server, "/predictions/ner", "{\"inputs\": \"New York\"}");
        assertThat(single.json().isObject()).as(single.body()).isTrue();
        assertThat(single.json()).isEqualTo(list.json().get(1));
    }

    @Test
    void metadataDescribesTheTaggersOutputs() {
        JsonNode m = get(server, "/v2/models/ner").json();
        assertThat(m.get("inputs").toString()).isEqualTo("[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1]}]");
        assertThat(m.get("outputs").toString()).isEqualTo("[{\"name\":\"lengths\",\"datatype\":\"INT32\",\"shape\":[-1]},"
                + "{\"name\":\"tokens\",\"datatype\":\"BYTES\",\"shape\":[-1]},{\"name\":\"tags\",\"datatype\":\"BYTES\",\"shape\":[-1]},"
                + "{\"name\":\"scores\",\"datatype\":\"FP32\",\"shape\":[-1]},{\"name\":\"entities\",\"datatype\":\"BYTES\",\"shape\":[-1]}]");
        assertThat(m.get("parameters").get("task").textValue()).isEqualTo("tag");
        assertThat(strings(m.get("parameters").get("tag_names"))).isEqualTo(TestServers.TAGS);
        assertThat(get(server, "/v2/models/tiny").json().get("parameters").get("task").textValue()).isEqualTo("classify");
        String metrics = get(server, "/metrics").body();
        assertThat(metrics).contains("\njrnn_queue_texts{model=\"ner\"} 0\n");
    }

    /** A reload may change what a name serves: the routes follow the file, in-flight requests finish on the old model. */
    @Test
    void aReloadMaySwapATaggerForAClassifierAndBack(@TempDir Path d) throws Exception {
        Path file = d.resolve("m.jrnn");
        Path tagger = TestServers.tagger(d, "t", 5);
        Path classifier = TestServers.model(d, "c", 7);
        Files.copy(tagger, file);
        try (JrnnServer s = TestServers.builder(file).build().start()) {
            assertThat(post(s, "/predictions/tiny", "{\"inputs\": \"Paris\"}").json().has("tags")).isTrue();
            Files.copy(classifier, file, StandardCopyOption.REPLACE_EXISTING);
            assertThat(post(s, "/v2/repository/models/tiny/load", "").status()).isEqualTo(200);
            TestServers.Reply c = post(s, "/predictions/tiny", "{\"inputs\": \"the team wins\"}");
            assertThat(c.json().get(0).has("label")).as(c.body()).isTrue();
            assertThat(get(s, "/v2/models/tiny").json().get("parameters").get("task").textValue()).isEqualTo("classify");
            Files.copy(tagger, file, StandardCopyOption.REPLACE_EXISTING);
            assertThat(post(s, "/v2/repository/models/tiny/load", "").status()).isEqualTo(200);
            assertThat(post(s, "/v2/models/tiny/infer", inferBody(List.of("Paris"), null)).json().get("outputs").get(0).get("name").textValue())
                    .isEqualTo("lengths");
        }
    }
}
